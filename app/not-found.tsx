import Link from "next/link";

export default function NotFound() {
  return (
    <div className="card center-card">
      <h1>Not found</h1>
      <p>There is nothing at this address.</p>
      <p><Link href="/">Back to home</Link></p>
    </div>
  );
}
