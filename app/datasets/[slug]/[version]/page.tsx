import Link from "next/link";
import { recordAudit } from "@/lib/audit/record";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import { getDb } from "@/lib/db/client";
import { listCohorts } from "@/lib/mimic/cohorts/cohorts";
import { describeSplit } from "@/lib/mimic/cohorts/split-spec";
import { labelCooccurrence } from "@/lib/mimic/browse/label-cooccurrence";
import { activeFilters } from "@/lib/mimic/browse/active-filters";
import { dropSuggestions } from "@/lib/mimic/browse/drop-suggestions";
import { listStudies, listViewCodes } from "@/lib/mimic/browse/list-studies";
import { parseStudyFilters, studyFiltersToSearch } from "@/lib/mimic/browse/study-filters";
import { JoinedNotice } from "@/components/explorer/joined-notice";
import { SourceFilters } from "@/components/explorer/source-filters";
import { resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";
import { CohortPanel } from "@/components/explorer/cohort-panel";
import { CooccurrenceHeatmap } from "@/components/explorer/cooccurrence-heatmap";
import { EmptyResult } from "@/components/explorer/empty-result";
import { FilterChips } from "@/components/explorer/filter-chips";
import { FilterDrawer } from "@/components/explorer/filter-drawer";
import { LabelFacets } from "@/components/explorer/label-facets";
import { ListFacets } from "@/components/explorer/list-facets";
import { PrevalenceChart } from "@/components/explorer/prevalence-chart";
import { SearchForm } from "@/components/explorer/search-form";
import { StudiesTable } from "@/components/explorer/studies-table";
import { StudyGrid } from "@/components/explorer/study-grid";

type Props = { params: Promise<{ slug: string; version: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ExplorerPage({ params, searchParams }: Props) {
  const { user, dataset } = await requireDatasetAccess(await params);
  const raw = await searchParams;
  const base = `/datasets/${dataset.slug}/${dataset.version}`;
  const parsed = parseStudyFilters(raw);
  if (!parsed.ok) {
    return (
      <div className="card">
        <h1>{dataset.title} {dataset.version}</h1>
        <p className="error" role="alert">This link has filters labgate cannot read: {parsed.errors.join("; ")}.</p>
        <p><Link prefetch={false} href={base}>Show all studies</Link></p>
      </div>
    );
  }
  const f = parsed.filters;
  const mode = raw.mode === "grid" ? "grid" : "table";
  const charts = raw.charts === "1";
  // Labels from the JPG version and report text from the MIMIC-CXR version, where the lab pairs them
  // and the member holds access to both (each asked by the one access rule, now).
  const sources = await resolveJoinedSources({ user, dataset });
  const from = { datasetId: sources.labelsDatasetId, reportDatasetId: sources.reportDatasetId, filters: f };
  const viewCodes = await listViewCodes();
  const [page, cohorts, cooccurrence] = await Promise.all([
    listStudies({ ...from, viewCodes }),
    listCohorts({ labId: user.labId, datasetId: dataset.id }),
    charts ? labelCooccurrence(from) : Promise.resolve(null),
  ]);
  const search = studyFiltersToSearch(f);
  // Every look at the dataset is on the record, with what was asked (report searches included).
  await recordAudit(getDb(), { action: "dataset.browse", labId: user.labId, actor: user, target: { type: "dataset", id: dataset.id }, details: { query: search, studies: page.total, ...(sources.joined && sources.partner ? { joined: `${sources.partner.slug}/${sources.partner.version}` } : {}) } });
  const extra = (k: string, v: string | null) => {
    const p = new URLSearchParams(search);
    if (mode === "grid" && k !== "mode") p.set("mode", "grid");
    if (charts && k !== "charts") p.set("charts", "1");
    if (v) p.set(k, v);
    return `${base}?${p.toString()}`;
  };
  const withFilters = (g: Partial<typeof f>) => {
    const p = new URLSearchParams(studyFiltersToSearch({ ...f, ...g }));
    if (mode === "grid") p.set("mode", "grid");
    return `${base}?${p.toString()}`;
  };
  const hrefFor: Record<string, string> = { prev: withFilters({ page: f.page - 1 }), next: withFilters({ page: f.page + 1 }) };
  for (const sort of ["date", "study_id", "subject_id"] as const) for (const dir of ["asc", "desc"] as const) hrefFor[`${sort}:${dir}`] = withFilters({ sort, dir, page: 1 });
  const drops = page.total === 0 ? await dropSuggestions({ ...from, filters: f }) : [];
  const chips = activeFilters(f).map((a) => ({ key: a.key, text: a.text, href: withFilters(a.without) }));
  const facetQuery = studyFiltersToSearch({ ...f, page: 1, sort: "date", dir: "desc", pageSize: 50 });

  return (
    <>
      <h1>
        {dataset.title} <span className="muted">{dataset.version}</span>
      </h1>
      <p className="row">
        <strong data-testid="study-total">{page.total.toLocaleString("en-US")}</strong> studies match.
        <Link prefetch={false} href={extra("mode", mode === "grid" ? null : "grid")}>{mode === "grid" ? "Show as table" : "Show as thumbnails"}</Link>
        <Link prefetch={false} href={extra("charts", charts ? null : "1")}>{charts ? "Hide co-occurrence" : "Show label co-occurrence"}</Link>
        <Link prefetch={false} href={`${base}/disagreement`}>Where CheXpert and NegBio disagree</Link>
        <Link prefetch={false} href={`${base}/storage`}>Files in lab storage</Link>
      </p>
      <JoinedNotice dataset={dataset} sources={sources} />
      <FilterChips chips={chips} />
      <SourceFilters base={base} filters={f} />
      <div className="explorer">
        <FilterDrawer active={chips.length}>
          <div className="explorer-search">
            <SearchForm base={base} filters={f} />
          </div>
          <aside>
            <LabelFacets base={base} filters={f} facets={page.facets} />
            <ListFacets base={base} filters={f} facets={page.facets} viewNames={[...viewCodes.keys()].sort()} />
          </aside>
        </FilterDrawer>
        <section>
          {page.total === 0 ? (
            <EmptyResult drops={drops.map((d) => ({ key: d.key, text: d.text, studies: d.studies, href: withFilters(d.without) }))} clearHref={base} />
          ) : mode === "grid" ? (
            <StudyGrid rows={page.rows} studyBase={`${base}/studies`} />
          ) : (
            <StudiesTable rows={page.rows} total={page.total} page={f.page} pageSize={f.pageSize} sort={f.sort} dir={f.dir} hrefFor={hrefFor} studyBase={`${base}/studies`} showSnippets={Boolean(f.q)} />
          )}
          {mode === "grid" && (
            <p className="row">
              {f.page > 1 && <Link prefetch={false} href={hrefFor.prev!}>← Previous</Link>}
              {f.page * f.pageSize < page.total && <Link prefetch={false} href={hrefFor.next!}>Next →</Link>}
            </p>
          )}
          <PrevalenceChart facets={page.facets} total={page.total} />
          {cooccurrence && <CooccurrenceHeatmap data={cooccurrence} />}
        </section>
      </div>
      <CohortPanel
        apiBase={`/api${base}`}
        explorerBase={base}
        query={facetQuery}
        total={page.total}
        cohorts={cohorts.map((c) => ({ id: c.id, name: c.name, query: c.query, splitText: describeSplit(c.split), studyCount: c.studyCount, createdByName: c.createdByName, createdAt: c.createdAt.toISOString() }))}
      />
    </>
  );
}
