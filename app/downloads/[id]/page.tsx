import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth/current-user";
import { getJobProgress } from "@/lib/downloads/queries";
import { JobView } from "@/components/downloads/job-view";

type Props = { params: Promise<{ id: string }> };

export default async function DownloadJobPage({ params }: Props) {
  const user = await requireUser();
  const { id } = await params;
  const job = await getJobProgress({ user, jobId: id });
  if (!job) notFound();
  return (
    <>
      <p><Link prefetch={false} href="/downloads">← Downloads</Link></p>
      <h1>Download</h1>
      <div className="card">
        <JobView initial={job} />
      </div>
    </>
  );
}
