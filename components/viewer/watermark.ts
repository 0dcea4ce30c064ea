// The DUA watermark, drawn into the image's own canvas after every frame: a screenshot, a copied or
// saved canvas and a screen recording all carry who was looking, and when. The images are gray, so
// the watermark's warm tint sets it apart from any pixel of the image (and lets tests find it).

/** Text fill; red and blue differ, which no gray pixel of an image does. */
const WATERMARK_FILL = "rgba(255, 196, 64, 0.8)";
const FONT_PX = 12;
const LINE_PX = 16;
const MARGIN_PX = 8;

/** Who, and when (null: not drawn yet, so no time to show). */
export function watermarkLines(viewer: { name: string; email: string }, viewedAt: Date | null): string[] {
  const when = viewedAt ? `viewed ${viewedAt.toISOString().replace("T", " ").slice(0, 19)} UTC — ` : "";
  return [`${viewer.name} · ${viewer.email}`, `${when}DUA: do not copy or share`];
}

/** Bottom right, in the canvas's own pixels, whatever transform the last frame left behind. */
export function drawWatermark(canvas: HTMLCanvasElement, lines: string[]): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  // 12 CSS pixels tall however many canvas pixels a CSS pixel is.
  const scale = canvas.clientWidth > 0 ? canvas.width / canvas.clientWidth : 1;
  ctx.save();
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  const [w, h] = [canvas.width / scale, canvas.height / scale];
  // On a phone the viewport is narrower than the lines at 12 px: the text shrinks to stay whole
  // (a cut-off name or date would not say who looked, or when).
  ctx.font = `${FONT_PX}px system-ui, sans-serif`;
  const widest = Math.max(...lines.map((l) => ctx.measureText(l).width));
  const fit = Math.min(1, (w - 2 * MARGIN_PX) / widest);
  ctx.font = `${FONT_PX * fit}px system-ui, sans-serif`;
  ctx.textAlign = "right";
  ctx.textBaseline = "bottom";
  ctx.shadowColor = "rgba(0, 0, 0, 0.9)";
  ctx.shadowBlur = 2;
  ctx.fillStyle = WATERMARK_FILL;
  lines.forEach((line, i) => ctx.fillText(line, w - MARGIN_PX, h - MARGIN_PX - (lines.length - 1 - i) * LINE_PX * fit));
  ctx.restore();
}
