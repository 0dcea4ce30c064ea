// The scale bar drawn over the image: a round length (1-2-5 steps, in mm or cm) whose on-screen size
// follows the zoom. Lengths come from PixelSpacing (patient plane) or, failing that,
// ImagerPixelSpacing (detector plane, so the bar says so: a projection radiograph is magnified there).

export type ScaleBar = { mm: number; px: number; label: string };

const STEPS = [1, 2, 5];

/**
 * The longest 1-2-5 length (0.1 mm … 500 mm) that is at most `maxPx` screen pixels long, given how
 * many screen pixels one millimetre takes; the shortest one when even that is too long.
 */
export function chooseScaleBar(pxPerMm: number, maxPx = 150): ScaleBar | null {
  if (!(pxPerMm > 0) || !Number.isFinite(pxPerMm)) return null;
  const lengths = [-1, 0, 1, 2].flatMap((e) => STEPS.map((s) => s * 10 ** e)).concat(1000);
  let best = lengths[0]!;
  for (const mm of lengths) if (mm * pxPerMm <= maxPx) best = mm;
  const mm = Number(best.toPrecision(3));
  return { mm, px: mm * pxPerMm, label: mm >= 10 ? `${mm / 10} cm` : `${mm} mm` };
}

export type SpacingSource = { spacing: { row: number; column: number }; atDetector: boolean };

/**
 * Screen pixels per millimetre along the screen's horizontal axis. `columnStep`/`rowStep` are the
 * on-screen lengths of one image pixel step along a row and down a column (they include zoom and any
 * aspect correction); after a quarter turn the screen's horizontal axis runs down the image's columns.
 */
export function screenPixelsPerMm(opts: { columnStep: number; rowStep: number; rotation: number; spacing: { row: number; column: number } }): number {
  const quarterTurn = Math.round(opts.rotation / 90) % 2 !== 0;
  return quarterTurn ? opts.rowStep / opts.spacing.row : opts.columnStep / opts.spacing.column;
}

/** Draws the bar in the bottom-left corner of an overlay canvas sized in CSS pixels × `dpr`. */
export function drawScaleBar(ctx: CanvasRenderingContext2D, bar: ScaleBar, opts: { height: number; dpr: number; atDetector: boolean }): void {
  const { dpr } = opts;
  const x = 12;
  const y = opts.height - 14;
  ctx.save();
  ctx.scale(dpr, dpr);
  ctx.lineWidth = 2;
  ctx.strokeStyle = "rgba(255, 220, 0, .95)";
  ctx.shadowColor = "#000";
  ctx.shadowBlur = 2;
  ctx.beginPath();
  ctx.moveTo(x, y - 6);
  ctx.lineTo(x, y);
  ctx.lineTo(x + bar.px, y);
  ctx.lineTo(x + bar.px, y - 6);
  ctx.stroke();
  ctx.fillStyle = "rgba(255, 220, 0, .95)";
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillText(`${bar.label}${opts.atDetector ? " (at detector)" : ""}`, x + 4, y - 6);
  ctx.restore();
}
