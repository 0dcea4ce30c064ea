"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { Viewport } from "cornerstone-core";
import { DicomError } from "@/lib/dicom/errors";
import { modalityValue, windowPresets } from "@/lib/dicom/voi";
import type { LabgateImage } from "./labgate-image-loader";
import { ViewerToolbar, type DragTool, type Preset } from "./viewer-toolbar";

type Cornerstone = (typeof import("cornerstone-core"))["default"];

type Props = {
  /** Same-origin image route, e.g. /api/datasets/mimic-cxr/2.0.0/images/<dicom_id>. */
  src: string;
  title: string;
  /** Drawn over the image so that any screenshot names who took it, and when. */
  watermark: { name: string; email: string };
};

type Shown = { center: number; width: number; invert: boolean; scale: number; rotation: number; hflip: boolean };
type Loaded = { image: LabgateImage; presets: Preset[] };
type State = { kind: "loading" } | { kind: "error"; message: string } | { kind: "ready"; loaded: Loaded };

let loaderRegistered = false;

async function loadCornerstone(): Promise<{ cs: Cornerstone; loader: typeof import("./labgate-image-loader") }> {
  const [csModule, loader] = await Promise.all([import("cornerstone-core"), import("./labgate-image-loader")]);
  const cs = csModule.default;
  if (!loaderRegistered) {
    cs.registerImageLoader(loader.LABGATE_SCHEME, loader.loadLabgateImage);
    loaderRegistered = true;
  }
  return { cs, loader };
}

/** Pan/zoom/window-level viewer for one image, drawn by cornerstone-core from our own loader. */
export function ImageViewer({ src, title, watermark }: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const csRef = useRef<Cornerstone | null>(null);
  const [state, setState] = useState<State>({ kind: "loading" });
  const [shown, setShown] = useState<Shown | null>(null);
  const [renders, setRenders] = useState(0);
  const [tool, setTool] = useState<DragTool>("window");
  const [probe, setProbe] = useState<string | null>(null);
  const [openedAt] = useState(() => new Date());

  useEffect(() => {
    const element = hostRef.current;
    if (!element) return;
    let cancelled = false;
    let enabled = false;
    const onRendered = () => {
      const vp = csRef.current?.getViewport(element);
      if (vp) setShown({ center: vp.voi.windowCenter, width: vp.voi.windowWidth, invert: vp.invert, scale: vp.scale, rotation: vp.rotation, hflip: vp.hflip });
      setRenders((n) => n + 1);
    };
    setState({ kind: "loading" });
    (async () => {
      try {
        const { cs, loader } = await loadCornerstone();
        if (cancelled) return;
        csRef.current = cs;
        cs.enable(element);
        enabled = true;
        element.addEventListener(cs.EVENTS.IMAGE_RENDERED, onRendered);
        // loadImage, not loadAndCacheImage: nothing goes into cornerstone's shared image cache.
        const image = (await cs.loadImage(loader.imageIdFor(src))) as LabgateImage;
        if (cancelled) return;
        cs.displayImage(element, image);
        setState({ kind: "ready", loaded: { image, presets: presetsOf(image) } });
      } catch (e) {
        if (!cancelled) setState({ kind: "error", message: describeFailure(e) });
      }
    })();
    const onResize = () => {
      if (enabled) csRef.current?.resize(element, true);
    };
    window.addEventListener("resize", onResize);
    return () => {
      cancelled = true;
      window.removeEventListener("resize", onResize);
      const cs = csRef.current;
      if (cs && enabled) {
        element.removeEventListener(cs.EVENTS.IMAGE_RENDERED, onRendered);
        cs.disable(element);
      }
    };
  }, [src]);

  const update = useCallback((change: (vp: Viewport) => Partial<Viewport>) => {
    const element = hostRef.current;
    const cs = csRef.current;
    const vp = element && cs?.getViewport(element);
    if (!element || !cs || !vp) return;
    cs.setViewport(element, { ...vp, ...change(vp) });
  }, []);

  const reset = useCallback(() => {
    const element = hostRef.current;
    if (element && csRef.current?.getViewport(element)) csRef.current.reset(element);
  }, []);

  const ready = state.kind === "ready" ? state.loaded : null;

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const element = hostRef.current;
    if (!element || !ready) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      update((vp) => ({ scale: clampScale(vp.scale * (e.deltaY < 0 ? 1.1 : 1 / 1.1)) }));
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => element.removeEventListener("wheel", onWheel);
  }, [ready, update]);

  const drag = useRef<{ x: number; y: number; vp: Viewport; tool: DragTool } | null>(null);

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    const vp = hostRef.current && csRef.current?.getViewport(hostRef.current);
    if (!vp || !ready) return;
    // Middle button or shift pans, ctrl zooms, whatever the selected tool.
    const t: DragTool = e.button === 1 || e.shiftKey ? "pan" : e.ctrlKey ? "zoom" : tool;
    drag.current = { x: e.clientX, y: e.clientY, vp: structuredClone(vp), tool: t };
    e.currentTarget.setPointerCapture(e.pointerId);
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    showValueAt(e.pageX, e.pageY);
    const d = drag.current;
    if (!d || !ready) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (d.tool === "window") {
      const step = windowStep(ready.image);
      update(() => ({ voi: { windowWidth: Math.max(1, d.vp.voi.windowWidth + dx * step), windowCenter: d.vp.voi.windowCenter + dy * step }, voiLUT: undefined }));
    } else if (d.tool === "pan") {
      update(() => ({ translation: { x: d.vp.translation.x + dx / d.vp.scale, y: d.vp.translation.y + dy / d.vp.scale } }));
    } else {
      update(() => ({ scale: clampScale(d.vp.scale * Math.exp(-dy / 150)) }));
    }
  };

  const endDrag = () => {
    drag.current = null;
  };

  function showValueAt(pageX: number, pageY: number) {
    const element = hostRef.current;
    if (!element || !ready || !csRef.current) return;
    const { x, y } = csRef.current.pageToPixel(element, pageX, pageY);
    const { info, frame } = ready.image.labgate;
    const col = Math.floor(x);
    const row = Math.floor(y);
    if (col < 0 || row < 0 || col >= frame.columns || row >= frame.rows) return setProbe(null);
    const i = row * frame.columns + col;
    if (frame.kind === "rgb") return setProbe(`(${col}, ${row}) RGB ${frame.pixels[i * 3]}, ${frame.pixels[i * 3 + 1]}, ${frame.pixels[i * 3 + 2]}`);
    const stored = frame.pixels[i]!;
    const value = modalityValue(info, stored);
    const unit = info.rescaleType ?? (info.modality === "CT" ? "HU" : null);
    setProbe(`(${col}, ${row}) raw ${stored}${value !== stored || unit ? ` → ${round(value)}${unit ? ` ${unit}` : ""}` : ""}`);
  }

  const onKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    const actions: Record<string, () => void> = {
      i: () => update((vp) => ({ invert: !vp.invert })),
      r: reset,
      f: () => hostRef.current && csRef.current?.fitToWindow(hostRef.current),
      "1": () => update(() => ({ scale: 1 })),
      "+": () => update((vp) => ({ scale: clampScale(vp.scale * 1.25) })),
      "-": () => update((vp) => ({ scale: clampScale(vp.scale / 1.25) })),
      "]": () => update((vp) => ({ rotation: (vp.rotation + 90) % 360 })),
      "[": () => update((vp) => ({ rotation: (vp.rotation + 270) % 360 })),
      h: () => update((vp) => ({ hflip: !vp.hflip })),
      v: () => update((vp) => ({ vflip: !vp.vflip })),
      w: () => setTool("window"),
      p: () => setTool("pan"),
      z: () => setTool("zoom"),
    };
    const action = actions[e.key];
    if (action && ready && !e.altKey && !e.metaKey && !e.ctrlKey) {
      e.preventDefault();
      action();
    }
  };

  const applyPreset = (preset: Preset) => update(() => ({ voi: { windowCenter: preset.center, windowWidth: preset.width }, voiLUT: undefined }));

  const spacing = ready ? (ready.image.labgate.info.pixelSpacing ?? ready.image.labgate.info.imagerPixelSpacing) : null;

  return (
    <section className="card" data-testid="viewer" data-state={state.kind} data-renders={renders} aria-label={`Image viewer: ${title}`}>
      <h2 style={{ marginTop: 0 }}>{title}</h2>
      <ViewerToolbar
        disabled={!ready}
        tool={tool}
        onTool={setTool}
        presets={ready?.presets ?? []}
        onPreset={applyPreset}
        invert={shown?.invert ?? false}
        onInvert={() => update((vp) => ({ invert: !vp.invert }))}
        onZoom={(factor) => update((vp) => ({ scale: clampScale(vp.scale * factor) }))}
        onFit={() => hostRef.current && csRef.current?.fitToWindow(hostRef.current)}
        onActualSize={() => update(() => ({ scale: 1 }))}
        onRotate={() => update((vp) => ({ rotation: (vp.rotation + 90) % 360 }))}
        onFlip={() => update((vp) => ({ hflip: !vp.hflip }))}
        onReset={reset}
      />
      <div style={{ position: "relative", width: "100%", maxWidth: 768, height: 512, background: "#000", userSelect: "none" }}>
        <div
          ref={hostRef}
          data-testid="viewer-image"
          tabIndex={0}
          aria-label="Image: drag to adjust the window (or pan/zoom with the selected tool), wheel to zoom; keys i, r, f, 1, +, −, [, ], h, v, w, p, z"
          style={{ position: "absolute", inset: 0, touchAction: "none", cursor: tool === "pan" ? "move" : tool === "zoom" ? "zoom-in" : "crosshair", outline: "none" }}
          // Saving is discouraged, not prevented (it cannot be); the watermark is what matters.
          onContextMenu={(e) => e.preventDefault()}
          onDragStart={(e) => e.preventDefault()}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endDrag}
          onPointerCancel={endDrag}
          onPointerLeave={() => setProbe(null)}
          onKeyDown={onKeyDown}
        />
        <div aria-hidden style={{ position: "absolute", right: 8, bottom: 8, color: "rgba(255,255,255,.55)", font: "12px/1.3 system-ui, sans-serif", pointerEvents: "none", textAlign: "right", textShadow: "0 0 2px #000" }} data-testid="viewer-watermark">
          {watermark.name} · {watermark.email}
          <br />
          viewed {openedAt.toISOString().replace("T", " ").slice(0, 19)} UTC — DUA: do not copy or share
        </div>
        {state.kind === "loading" && <p style={{ position: "absolute", top: 8, left: 8, color: "#ddd", margin: 0 }}>Loading image…</p>}
        {state.kind === "error" && (
          <p role="alert" data-testid="viewer-error" style={{ position: "absolute", inset: 0, margin: 0, padding: "1rem", color: "#fff", background: "#5a1f1f" }}>
            {state.message}
          </p>
        )}
      </div>
      <p className="muted" data-testid="viewer-status" style={{ fontVariantNumeric: "tabular-nums", minHeight: "1.4em" }}>
        {shown && `Window C ${round(shown.center)} / W ${round(shown.width)}${shown.invert ? " · inverted" : ""} · zoom ${Math.round(shown.scale * 100)}%${shown.rotation ? ` · ${shown.rotation}°` : ""}${shown.hflip ? " · flipped" : ""}`}
        {spacing && ` · pixel ${round(spacing.column)}×${round(spacing.row)} mm`}
        {probe && ` · ${probe}`}
      </p>
    </section>
  );
}

function presetsOf(image: LabgateImage): Preset[] {
  const { info, frame } = image.labgate;
  if (frame.kind !== "grayscale") return [];
  return windowPresets(info, frame).map((w, i) => ({
    label: `${w.explanation ?? (i < info.windows.length ? `Header window ${i + 1}` : "Full range")} (C ${round(w.center)} / W ${round(w.width)})`,
    center: w.center,
    width: w.width,
  }));
}

/** One screen pixel of drag moves the window by about 1/500 of the image's value range. */
function windowStep(image: LabgateImage): number {
  const range = Math.abs((image.maxPixelValue - image.minPixelValue) * image.slope);
  return Math.max(range / 500, image.labgate.frame.kind === "rgb" ? 0.5 : 0.1);
}

function clampScale(s: number): number {
  return Math.min(40, Math.max(0.02, s));
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function describeFailure(e: unknown): string {
  if (e instanceof DicomError) return e.message;
  if (e instanceof Error && (e.name === "ImageFetchError" || e.message.startsWith("This JPG"))) return e.message;
  return `The image could not be shown (${e instanceof Error ? e.message : String(e)}).`;
}
