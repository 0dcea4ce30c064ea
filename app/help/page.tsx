import Link from "next/link";
import { requireUser } from "@/lib/auth/current-user";
import { ACCESS_STEP_TITLES } from "@/lib/credentialing/access-step-kit";
import { ACCESS_STEP_IDS } from "@/lib/credentialing/access-rule";
import { physionetLinks } from "@/lib/credentialing/physionet-links";
import { STEP_GUIDE } from "@/lib/credentialing/step-guide";
import { listStewards } from "@/lib/users/list-stewards";

export const metadata = { title: "Help · labgate" };

const FAQ: { q: string; a: React.ReactNode }[] = [
  {
    q: "I get “Not allowed” on a dataset I could open on PhysioNet.",
    a: <>labgate checks its own records of your steps, version by version: PhysioNet access to 2.0.0 does not open 2.1.0 here, and a steward must approve each version. The 403 page and your <Link prefetch={false} href="/credentialing">checklist</Link> name the missing step.</>,
  },
  {
    q: "My CITI upload was refused.",
    a: <>Upload the <strong>Completion Report</strong> (it lists the modules and scores), not the Completion Certificate, as a PDF downloaded from CITI. A rejected report shows the steward&apos;s comment in your checklist.</>,
  },
  {
    q: "Everything is done but I still have no access.",
    a: <>The last step is a steward&apos;s approval; stewards see you in their review queue as soon as your other steps are accepted. If it takes more than a few days, write to a steward below.</>,
  },
  {
    q: "My access ended by itself.",
    a: <>Training counts for a fixed time from its acceptance (the lab&apos;s policy). Upload a new CITI report before it ends; you are notified ahead of time.</>,
  },
  {
    q: "The checklist says “Verify with PhysioNet: missing” next to “access”.",
    a: <>Verification is optional evidence that PhysioNet lets your account open the files. It does not block access unless the lab&apos;s policy requires it.</>,
  },
  {
    q: "A page other than a dataset is not allowed.",
    a: <>Stewardship, members, audit and settings pages are for the lab&apos;s stewards and admins.</>,
  },
];

export default async function HelpPage() {
  const user = await requireUser();
  const stewards = await listStewards({ labId: user.labId });
  return (
    <>
      <h1>Help</h1>
      <section className="card" aria-labelledby="how">
        <h2 id="how">How access works in this lab</h2>
        <p>
          The lab keeps credentialed datasets from PhysioNet (such as MIMIC-CXR) on its own storage. You may open a dataset version here when you have
          done PhysioNet&apos;s steps for that exact version, labgate holds the evidence, and a data steward of the lab has approved. Every look at the
          data is recorded in the audit log, as the data use agreement asks.
        </p>
        <p><Link prefetch={false} href="/credentialing">Open your access checklist</Link> to see where you stand.</p>
      </section>
      <section className="card" aria-labelledby="steps">
        <h2 id="steps">The steps, and where to do them</h2>
        <ol className="steps" data-testid="help-steps">
          {ACCESS_STEP_IDS.map((id) => (
            <li key={id}>
              <strong>{ACCESS_STEP_TITLES[id]}</strong> — {STEP_GUIDE[id].meaning} <span className="muted">Usually takes {STEP_GUIDE[id].takes}.</span>
              {STEP_GUIDE[id].where.length > 0 && (
                <div className="small">
                  {STEP_GUIDE[id].where.map((w, i) => (
                    <span key={w.href}>{i > 0 && " · "}<a href={w.href} target="_blank" rel="noreferrer noopener">{w.label}</a></span>
                  ))}
                </div>
              )}
            </li>
          ))}
        </ol>
        <p className="small muted">
          PhysioNet: <a href={physionetLinks.register} target="_blank" rel="noreferrer noopener">register</a> ·{" "}
          <a href={physionetLinks.citiCourse} target="_blank" rel="noreferrer noopener">CITI course</a> ·{" "}
          <a href={physionetLinks.credentialApplication} target="_blank" rel="noreferrer noopener">credentialing</a>
        </p>
      </section>
      <section className="card" aria-labelledby="stewards">
        <h2 id="stewards">Your data stewards</h2>
        {stewards.length === 0 ? (
          <p className="muted">This lab has no steward yet.</p>
        ) : (
          <ul data-testid="help-stewards">
            {stewards.map((s) => (
              <li key={s.email}>
                {s.name} ({s.role}) — <a href={`mailto:${s.email}?subject=${encodeURIComponent("labgate access")}`}>{s.email}</a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="faq">
        <h2 id="faq">When access is refused</h2>
        {FAQ.map((f) => (
          <details key={f.q}>
            <summary>{f.q}</summary>
            <p>{f.a}</p>
          </details>
        ))}
      </section>
    </>
  );
}
