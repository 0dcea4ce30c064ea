import { RESPONSIBLE_USE } from "@/lib/credentialing/responsible-use";

/** The text a member attests to, with its version, shown wherever they attest. */
export function ResponsibleUseText() {
  return (
    <div className="small" data-testid="responsible-use-text">
      <p>
        <strong>{RESPONSIBLE_USE.name}</strong> (version {RESPONSIBLE_USE.version}, after{" "}
        <a href={RESPONSIBLE_USE.source} target="_blank" rel="noreferrer noopener">PhysioNet&apos;s notice</a>):
      </p>
      <ul>
        {RESPONSIBLE_USE.points.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </div>
  );
}
