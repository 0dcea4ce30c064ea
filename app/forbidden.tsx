import Link from "next/link";

export default function Forbidden() {
  return (
    <div className="card center-card">
      <h1>Not allowed</h1>
      <p>Your role does not give access to this page. Ask your lab&apos;s data steward if you think it should.</p>
      <p><Link href="/">Back to home</Link></p>
    </div>
  );
}
