import Link from "next/link";
import { Suspense } from "react";
import { SignInLink } from "@/components/auth/sign-in-link";

export default function Unauthorized() {
  return (
    <div className="card center-card">
      <h1>Please sign in</h1>
      <p>You need to be signed in to see this page. If you were signed in, your session has ended or your account was deactivated.</p>
      <p>
        <Suspense fallback={<Link className="button" href="/login">Go to sign-in</Link>}>
          <SignInLink />
        </Suspense>
      </p>
    </div>
  );
}
