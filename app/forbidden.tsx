import Link from "next/link";

export default function Forbidden() {
  return (
    <div className="card center-card">
      <h1>Not allowed</h1>
      <p>
        You do not have access to this page. A dataset opens only when your credentialing checklist is complete for that exact version and a
        data steward has approved your access; other pages depend on your role in the lab.
      </p>
      <p><Link href="/">Back to home</Link></p>
    </div>
  );
}
