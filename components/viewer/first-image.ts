// Which of a study's images a viewport opens with. Shared by the study page (server), which starts
// fetching that image before the page's scripts run, and the viewer (client), which shows it.
import type { StudyImage } from "@/lib/mimic/browse/get-study";

const FRONTAL = new Set(["PA", "AP"]);

/** A frontal view first (or, beside one, a lateral), else the next image in lab storage. */
export function pickImage(local: StudyImage[], besides: string | null): string | null {
  const others = local.filter((i) => i.presentLocally && i.dicomId !== besides);
  const preferred = besides === null ? others.find((i) => FRONTAL.has(i.viewPosition ?? "")) : others.find((i) => !FRONTAL.has(i.viewPosition ?? ""));
  return (preferred ?? others[0])?.dicomId ?? null;
}
