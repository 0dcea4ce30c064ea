import Link from "next/link";

export default function Unauthorized() {
  return (
    <div className="card center-card">
      <h1>Please sign in</h1>
      <p>You need to be signed in to see this page. If you were signed in, your session has ended or your account was deactivated.</p>
      <p><Link className="button" href="/login">Go to sign-in</Link></p>
    </div>
  );
}
