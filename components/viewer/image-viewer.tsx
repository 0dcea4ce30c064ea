"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { Viewport } from "cornerstone-core";
import { DicomError } from "@/lib/dicom/errors";
import type { HeaderElement } from "@/lib/dicom/header";
import { loadCornerstone, type Cornerstone } from "./cornerstone-setup";
import { startDecoders } from "./decode-client";
import { DicomHeaderPanel } from "./dicom-header-panel";
import { windowLut } from "./exact-display";
import { VIEWPORT_MAX } from "./first-image";
import { frameImage, playbackOf } from "./frames";
import { cancelImageFetch, startImageFetch } from "./image-fetch";
import type { LabgateImage } from "./labgate-image-loader";
import { calibrationOf, drawMeasurements, lengthOf, valueText, type Measurement, type Point } from "./measurements";
import { MeasurementList } from "./measurement-list";
import { ShortcutsPanel } from "./shortcuts-panel";
import { reducedImage, reductionFor, viewportFor } from "./reduced-image";
import { chooseScaleBar, drawScaleBar, screenPixelsPerMm } from "./scale-bar";
import { clampScale, describeFailure, presetsOf, probeText, round, windowStep } from "./viewer-helpers";
import type { LinkedView, ViewLink } from "./view-link";
import { ViewerToolbar, type DragTool, type Preset } from "./viewer-toolbar";
import { drawWatermark, watermarkLines } from "./watermark";

type Props = {
  /** Same-origin image route, e.g. /api/datasets/mimic-cxr/2.0.0/images/<dicom_id>. */
  src: string;
  /** The route's PNG of the image fitted to the viewport (`?fit=`), shown until cornerstone draws. */
  previewSrc?: string | null;
  title: string;
  /** Drawn into the image's canvas so that any screenshot or saved copy names who took it, and when. */
  watermark: { name: string; email: string };
  /** Side by side: the viewport that the study's "View" buttons fill. */
  active?: boolean;
  onActivate?: () => void;
  /** Linked panes: this viewport's window, zoom and pan go to the others on `link`, and theirs come here. */
  link?: ViewLink;
  linkId?: number;
};

type Shown = { center: number; width: number; invert: boolean; scale: number; rotation: number; hflip: boolean };
type Loaded = { image: LabgateImage; presets: Preset[] };
/** header: the file's header when only its pixels could not be read. */
type State = { kind: "loading" } | { kind: "error"; message: string; header?: HeaderElement[] } | { kind: "ready"; loaded: Loaded };
/** Element Timing (Chromium): when an <img> marked `elementtiming` was first painted. */
type ElementTiming = PerformanceEntry & { identifier: string; renderTime: number; loadTime: number; url: string };
const PREVIEW_TIMING = "labgate-preview";

/** Pan/zoom/window-level viewer for one image, drawn by cornerstone-core from our own loader. */
export function ImageViewer({ src, previewSrc, title, watermark, active, onActivate, link, linkId = 0 }: Props) {
  const { name: viewerName, email: viewerEmail } = watermark;
  const hostRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const csRef = useRef<Cornerstone | null>(null);
  const imageRef = useRef<LabgateImage | null>(null);
  // The reduced copy shown during a window/level drag (reduced-image.ts), and how many pixels it skips.
  // fullVp: the full image's viewport when the copy went up, restored exactly (not rescaled) after.
  const reducedRef = useRef<{ factor: number; image: LabgateImage; fullVp: Viewport } | null>(null);
  const [state, setState] = useState<State>({ kind: "loading" });
  const [shown, setShown] = useState<Shown | null>(null);
  const [renders, setRenders] = useState(0);
  const [firstRenderMs, setFirstRenderMs] = useState<number | null>(null);
  // Cornerstone has drawn: the preview picture under its canvas goes away.
  const [drawn, setDrawn] = useState(false);
  const [tool, setTool] = useState<DragTool>("window");
  const [probe, setProbe] = useState<string | null>(null);
  // Multi-frame images: the frame shown (0-based) and whether cine plays.
  const [frame, setFrame] = useState(0);
  const [playing, setPlaying] = useState(false);
  // Measurements in the full image's pixel coordinates; draft: the one being drawn.
  const [measurements, setMeasurements] = useState<Measurement[]>([]);
  const [draft, setDraft] = useState<{ kind: "length" | "angle"; points: Point[]; hover: Point | null } | null>(null);
  const measureRef = useRef<{ done: Measurement[]; draft: typeof draft }>({ done: [], draft: null });
  measureRef.current = { done: measurements, draft };
  const nextMeasureId = useRef(1);
  const [showKeys, setShowKeys] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);
  const sectionRef = useRef<HTMLElement>(null);

  /** The scale bar, redrawn after every render so it follows zoom, rotation and resizing. */
  const drawOverlay = useCallback(() => {
    const canvas = overlayRef.current;
    const element = hostRef.current;
    const cs = csRef.current;
    if (!canvas || !element || !cs) return;
    const dpr = window.devicePixelRatio || 1;
    const [w, h] = [element.clientWidth, element.clientHeight];
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d")!;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const info = imageRef.current?.labgate.info;
    const spacing = info?.pixelSpacing ?? info?.imagerPixelSpacing;
    const vp = cs.getViewport(element);
    const factor = reducedRef.current?.factor ?? 1;
    if (info && vp) {
      const cal = calibrationOf(info);
      const { done, draft } = measureRef.current;
      const items = done.map((m) => ({ m, label: valueText(m, cal) }));
      if (draft) {
        const points = draft.hover ? [...draft.points, draft.hover] : draft.points;
        if (draft.kind === "length" && points.length >= 2) {
          const m: Measurement = { id: 0, kind: "length", points: [points[0]!, points[1]!] };
          items.push({ m, label: valueText(m, cal) });
        } else if (draft.kind === "angle" && points.length >= 2) {
          const m: Measurement = points.length >= 3 ? { id: 0, kind: "angle", points: [points[0]!, points[1]!, points[2]!] } : { id: 0, kind: "length", points: [points[0]!, points[1]!] };
          items.push({ m, label: m.kind === "angle" ? valueText(m, cal) : "" });
        }
      }
      drawMeasurements(ctx, items, (p) => cs.pixelToCanvas(element, { x: p.x / factor, y: p.y / factor }), dpr);
    }
    if (!info || !spacing || !vp) return void delete canvas.dataset.scaleMm;
    const step = (x: number, y: number) => {
      const a = cs.pixelToCanvas(element, { x: 0, y: 0 });
      const b = cs.pixelToCanvas(element, { x, y });
      return Math.hypot(b.x - a.x, b.y - a.y) / factor;
    };
    const bar = chooseScaleBar(screenPixelsPerMm({ columnStep: step(1, 0), rowStep: step(0, 1), rotation: vp.rotation, spacing }));
    if (!bar) return void delete canvas.dataset.scaleMm;
    drawScaleBar(ctx, bar, { height: h, dpr, atDetector: !info.pixelSpacing });
    canvas.dataset.scaleMm = String(bar.mm);
    canvas.dataset.scalePx = bar.px.toFixed(2);
  }, []);

  useEffect(() => {
    const element = hostRef.current;
    if (!element) return;
    let cancelled = false;
    let enabled = false;
    let first = true;
    // The opening copy on screen (the full image's reduced copy, see below), whether cornerstone has
    // drawn it yet, and the swap to the full image waiting for that draw.
    let opening: { factor: number; rendered: boolean } | null = null;
    let pendingFull: (() => void) | null = null;
    let awaitingFull = true;
    // Which images are opening copies: a render is told by the image it drew, not by the order
    // in which cornerstone's frames and our callbacks happen to run.
    const openingImages = new WeakSet<object>();
    // Milliseconds since navigation start: what the benchmark reports as time to first pixel, the
    // preview's paint or cornerstone's first frame, whichever came first.
    const firstPixelAt = (ms: number) => setFirstRenderMs((before) => Math.round(Math.min(before ?? Infinity, ms)));
    let lines: string[] = [];
    const onRendered = (event: Event) => {
      const detail = (event as CustomEvent<{ image?: object; canvasContext?: CanvasRenderingContext2D }>).detail;
      if (first) {
        first = false;
        firstPixelAt(performance.now());
        element.dataset.canvasFirstRenderMs = String(Math.round(performance.now()));
        const viewedAt = new Date();
        lines = watermarkLines({ name: viewerName, email: viewerEmail }, viewedAt);
        element.dataset.watermark = lines.join("\n");
        setDrawn(true);
      }
      // Every frame starts from a clean canvas, so every frame gets the watermark again.
      if (detail?.canvasContext) drawWatermark(detail.canvasContext.canvas, lines);
      const drawn = detail?.image;
      if (drawn && openingImages.has(drawn)) {
        if (!opening) return;
        // The opening copy is not counted as a render: the tools, the status line and the tests
        // wait for the full image.
        opening.rendered = true;
        const swapInFull = pendingFull;
        pendingFull = null;
        // A macrotask, so the browser paints the copy before the full draw occupies the thread.
        if (swapInFull) setTimeout(swapInFull, 0);
        return;
      }
      if (awaitingFull) {
        awaitingFull = false;
        // When the full image was first on screen, for the benchmark beside the first pixel.
        element.dataset.fullRenderMs = String(Math.round(performance.now()));
      }
      const vp = csRef.current?.getViewport(element);
      const factor = reducedRef.current?.factor ?? 1;
      if (vp) setShown({ center: vp.voi.windowCenter, width: vp.voi.windowWidth, invert: vp.invert, scale: vp.scale / factor, rotation: vp.rotation, hflip: vp.hflip });
      setRenders((n) => n + 1);
      drawOverlay();
    };
    const resizeObserver = new ResizeObserver(() => {
      // Keeps "fit" when the image was fitted, else keeps the zoom relative to the new size.
      if (enabled && imageRef.current) csRef.current?.resize(element);
    });
    // The preview's paint, however long before hydration it happened (buffered entries).
    const previewUrl = previewSrc ? new URL(previewSrc, window.location.href).href : null;
    const paints = previewUrl && PerformanceObserver.supportedEntryTypes?.includes("element")
      ? new PerformanceObserver((list) => {
          for (const e of list.getEntries() as ElementTiming[]) if (e.identifier === PREVIEW_TIMING && e.url === previewUrl) firstPixelAt(e.renderTime || e.loadTime);
        })
      : null;
    paints?.observe({ type: "element", buffered: true });
    setState({ kind: "loading" });
    setDrawn(false);
    setFrame(0);
    setPlaying(false);
    setMeasurements([]);
    setDraft(null);
    // The bytes and the decoding workers get going while cornerstone's code still loads.
    startImageFetch(src);
    startDecoders();
    (async () => {
      try {
        const { cs, loader } = await loadCornerstone();
        if (cancelled) return;
        csRef.current = cs;
        cs.enable(element);
        // For the benchmark's breakdown: the page's code is in and the viewport can draw.
        performance.mark("labgate:viewer-ready");
        enabled = true;
        element.addEventListener(cs.EVENTS.IMAGE_RENDERED, onRendered);
        resizeObserver.observe(element);
        const imageId = loader.imageIdFor(src);
        // A JPEG 2000 file's lower resolution, decoded in a fraction of the full decode's time, is
        // drawn fitted while the full decode goes on (decode-opening.ts); the full image replaces it.
        let fullIn = false;
        loader.requestOpening(imageId, { width: element.clientWidth, height: element.clientHeight }, (copy, factor) => {
          if (cancelled || fullIn || opening) return;
          opening = { factor, rendered: false };
          openingImages.add(copy);
          element.dataset.opening = `resolution 1/${factor}`;
          cs.displayImage(element, copy);
        });
        // loadImage, not loadAndCacheImage: nothing goes into cornerstone's shared image cache.
        const image = (await cs.loadImage(imageId)) as LabgateImage;
        fullIn = true;
        if (cancelled) return;
        imageRef.current = image;
        // Drawing all 7.8 million pixels of a radiograph takes ~200 ms, yet the fitted view shows
        // a few hundred thousand. The first frame is the reduced copy the window drag uses (one
        // stored pixel still per screen pixel, same gray levels); the full image follows at once.
        // (Not when a lower resolution is already up: the full image replaces that directly.)
        const factor = opening ? 1 : reductionFor(Math.min(element.clientWidth / image.columns, element.clientHeight / image.rows));
        const copy = factor > 1 ? reducedImage(image, factor) : null;
        if (copy) {
          opening = { factor, rendered: false };
          openingImages.add(copy);
          element.dataset.opening = `copy ${factor}`;
          cs.displayImage(element, copy);
        }
        const swapInFull = () => {
          if (cancelled) return;
          // The full image at its own fit: the copy's scale times the factor is off by the copy's
          // rounded-down size (edge differences of tens of gray levels). Nothing can have moved the
          // copy (the tools wait for the full image), so its viewport holds nothing to carry over.
          cs.displayImage(element, image, cs.getDefaultViewportForImage(element, image));
          opening = null;
          setState({ kind: "ready", loaded: { image, presets: presetsOf(image) } });
        };
        // (Read through a cast: TypeScript does not see the branch above assign it.)
        const shown = opening as { factor: number; rendered: boolean } | null;
        if (!shown) swapInFull();
        else if (shown.rendered) setTimeout(swapInFull, 0);
        else pendingFull = swapInFull;
      } catch (e) {
        if (!cancelled) setState({ kind: "error", message: describeFailure(e), header: e instanceof DicomError ? e.header : undefined });
      }
    })();
    return () => {
      cancelled = true;
      reducedRef.current = null;
      cancelImageFetch(src);
      paints?.disconnect();
      resizeObserver.disconnect();
      imageRef.current = null;
      const cs = csRef.current;
      if (cs && enabled) {
        element.removeEventListener(cs.EVENTS.IMAGE_RENDERED, onRendered);
        cs.disable(element);
      }
    };
  }, [src, previewSrc, drawOverlay, viewerName, viewerEmail]);

  const linkRef = useRef(link);
  linkRef.current = link;

  const update = useCallback((change: (vp: Viewport) => Partial<Viewport>) => {
    const element = hostRef.current;
    const cs = csRef.current;
    const vp = element && cs?.getViewport(element);
    if (!element || !cs || !vp) return;
    const changes = change(vp);
    const next = { ...vp, ...changes };
    // A new window gets its own display table, so it is drawn with DICOM's function (exact-display.ts).
    if (changes.voi && imageRef.current) next.voiLUT = windowLut(imageRef.current, changes.voi);
    cs.setViewport(element, next);
    const image = imageRef.current;
    if (!linkRef.current || !image) return;
    const shared: LinkedView = {};
    if (changes.voi) shared.voi = changes.voi;
    // (A window drag shows a reduced copy; only the window changes then, and it has no size.)
    if (changes.scale !== undefined) shared.zoom = changes.scale / cs.getDefaultViewportForImage(element, image).scale;
    if (changes.translation) shared.pan = { x: changes.translation.x / image.columns, y: changes.translation.y / image.rows };
    if (Object.keys(shared).length) linkRef.current.publish(linkId, shared);
  }, [linkId]);

  const reset = useCallback(() => {
    const element = hostRef.current;
    if (element && csRef.current?.getViewport(element)) csRef.current.reset(element);
  }, []);

  const ready = state.kind === "ready" ? state.loaded : null;

  // What the other linked viewports did, applied here (and not passed on again).
  useEffect(() => {
    if (!link || !ready) return;
    return link.subscribe(linkId, (view) => {
      const element = hostRef.current;
      const cs = csRef.current;
      const image = imageRef.current;
      const vp = element && cs?.getViewport(element);
      if (!element || !cs || !image || !vp || reducedRef.current) return;
      const next = { ...vp };
      if (view.voi) Object.assign(next, { voi: view.voi, voiLUT: windowLut(image, view.voi) });
      if (view.zoom !== undefined) next.scale = clampScale(view.zoom * cs.getDefaultViewportForImage(element, image).scale);
      if (view.pan) next.translation = { x: view.pan.x * image.columns, y: view.pan.y * image.rows };
      cs.setViewport(element, next);
    });
  }, [link, linkId, ready]);
  const frameCount = ready?.image.labgate.frames.length ?? 1;
  const playback = ready && ready.image.labgate.info.numberOfFrames > 1 ? playbackOf(ready.image.labgate.info) : null;

  // Another frame: drawn with the viewport as it is (window, zoom, pan carry over; every frame of a
  // grayscale cine shares one display table, see lib/dicom/decode-file.ts).
  useEffect(() => {
    const element = hostRef.current;
    const cs = csRef.current;
    if (!element || !cs || !ready || frameCount < 2) return;
    const image = frameImage(ready.image, frame);
    if (imageRef.current === image) return;
    const vp = cs.getViewport(element);
    const reduced = reducedRef.current;
    reducedRef.current = null;
    delete element.dataset.reduced;
    imageRef.current = image;
    element.dataset.frame = String(frame + 1);
    cs.displayImage(element, image, reduced && vp ? { ...reduced.fullVp, voi: vp.voi, voiLUT: vp.voiLUT, invert: vp.invert } : vp);
  }, [frame, ready, frameCount]);

  // Cine: one frame per the file's frame time, looping.
  useEffect(() => {
    if (!playing || !playback || frameCount < 2) return;
    const timer = setInterval(() => setFrame((f) => (f + 1) % frameCount), playback.ms);
    return () => clearInterval(timer);
  }, [playing, playback?.ms, frameCount]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => drawOverlay(), [measurements, draft, drawOverlay]);

  useEffect(() => {
    const onChange = () => setFullscreen(document.fullscreenElement !== null && document.fullscreenElement === sectionRef.current);
    document.addEventListener("fullscreenchange", onChange);
    return () => document.removeEventListener("fullscreenchange", onChange);
  }, []);

  const toggleFullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void sectionRef.current?.requestFullscreen().catch(() => undefined);
  };

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
  // Touch: every finger on the image; two of them pinch-zoom from the scale they started at.
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const pinch = useRef<{ distance: number; scale: number } | null>(null);
  const fingerSpread = () => {
    const [a, b] = [...pointers.current.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    onActivate?.();
    const vp = hostRef.current && csRef.current?.getViewport(hostRef.current);
    if (!vp || !ready) return;
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.current.size >= 2) {
      // A second finger turns whatever the first one started into a pinch.
      drag.current = null;
      showFull();
      const current = csRef.current?.getViewport(hostRef.current!) ?? vp;
      pinch.current = pointers.current.size === 2 ? { distance: fingerSpread(), scale: current.scale } : null;
      return;
    }
    // Middle button or shift pans, ctrl zooms, whatever the selected tool.
    const t: DragTool = e.button === 1 || e.shiftKey ? "pan" : e.ctrlKey ? "zoom" : tool;
    if (t === "length" || t === "angle") return measureDown(e, t);
    drag.current = { x: e.clientX, y: e.clientY, vp: structuredClone(vp), tool: t };
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // The pointer is already gone (lifted between the event and now): the drag ends with it.
    }
    if (t === "window") showReduced(vp);
  };

  /** Where the pointer is, in the full image's pixels (continuous: 10.5 is the middle of pixel 10). */
  function pixelAt(e: React.PointerEvent<HTMLDivElement>): Point | null {
    const element = hostRef.current;
    if (!element || !csRef.current) return null;
    const { x, y } = csRef.current.pageToPixel(element, e.pageX, e.pageY);
    const factor = reducedRef.current?.factor ?? 1;
    return { x: x * factor, y: y * factor };
  }

  /** Length: press, drag, release. Angle: three clicks, the vertex second. */
  function measureDown(e: React.PointerEvent<HTMLDivElement>, kind: "length" | "angle") {
    const p = pixelAt(e);
    if (!p) return;
    if (kind === "length") {
      setDraft({ kind, points: [p], hover: p });
      try {
        e.currentTarget.setPointerCapture(e.pointerId);
      } catch {
        // Already lifted: the release below ends the measurement.
      }
      return;
    }
    const points = draft?.kind === "angle" ? [...draft.points, p] : [p];
    if (points.length < 3) return setDraft({ kind, points, hover: null });
    setMeasurements((list) => [...list, { id: nextMeasureId.current++, kind: "angle", points: [points[0]!, points[1]!, points[2]!] }]);
    setDraft(null);
  }

  /** Swaps in the reduced copy for a window/level drag when the zoom leaves it nothing to lose. */
  function showReduced(vp: Viewport) {
    const element = hostRef.current;
    const factor = reductionFor(vp.scale);
    if (!element || !csRef.current || !ready || reducedRef.current || factor < 2) return;
    const image = reducedImage(frameImage(ready.image, frame), factor);
    if (!image) return;
    reducedRef.current = { factor, image, fullVp: structuredClone(vp) };
    element.dataset.reduced = String(factor);
    csRef.current.displayImage(element, image, viewportFor(vp, 1 / factor));
  }

  function showFull() {
    const element = hostRef.current;
    const reduced = reducedRef.current;
    const vp = element && csRef.current?.getViewport(element);
    if (!element || !reduced || !ready || !vp) return;
    reducedRef.current = null;
    delete element.dataset.reduced;
    // Only the window can have changed during the drag.
    csRef.current!.displayImage(element, frameImage(ready.image, frame), { ...reduced.fullVp, voi: vp.voi, voiLUT: vp.voiLUT, invert: vp.invert });
  }

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    const element = hostRef.current;
    if (element && ready && csRef.current) {
      const { x, y } = csRef.current.pageToPixel(element, e.pageX, e.pageY);
      const factor = reducedRef.current?.factor ?? 1;
      setProbe(probeText(frameImage(ready.image, frame), Math.floor(x * factor), Math.floor(y * factor)));
    }
    if (pointers.current.has(e.pointerId)) pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (draft) {
      const p = pixelAt(e);
      if (p && (draft.kind === "angle" || draft.hover)) setDraft({ ...draft, hover: p });
      return;
    }
    const p = pinch.current;
    if (p && ready) {
      const spread = fingerSpread();
      if (spread > 0 && p.distance > 0) update(() => ({ scale: clampScale((p.scale * spread) / p.distance) }));
      return;
    }
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

  const endDrag = (e: React.PointerEvent<HTMLDivElement>) => {
    pointers.current.delete(e.pointerId);
    if (draft?.kind === "length") {
      const [a] = draft.points;
      const b = pixelAt(e) ?? draft.hover;
      // A click without a drag measures nothing.
      if (a && b && lengthOf(a, b, null) >= 1) setMeasurements((list) => [...list, { id: nextMeasureId.current++, kind: "length", points: [a, b] }]);
      setDraft(null);
    }
    if (pointers.current.size < 2) pinch.current = null;
    drag.current = null;
    showFull();
  };

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
      l: () => setTool("length"),
      a: () => setTool("angle"),
      ArrowRight: () => frameCount > 1 && setFrame((f) => (f + 1) % frameCount),
      ArrowLeft: () => frameCount > 1 && setFrame((f) => (f + frameCount - 1) % frameCount),
      " ": () => frameCount > 1 && setPlaying((p) => !p),
      F: toggleFullscreen,
      Escape: () => {
        setDraft(null);
        setShowKeys(false);
      },
    };
    if (e.key === "?") {
      e.preventDefault();
      return setShowKeys((v) => !v);
    }
    const action = actions[e.key];
    if (action && ready && !e.altKey && !e.metaKey && !e.ctrlKey) {
      e.preventDefault();
      action();
    }
  };

  const applyPreset = (preset: Preset) => update(() => ({ voi: { windowCenter: preset.center, windowWidth: preset.width }, voiLUT: undefined }));

  const spacing = ready ? (ready.image.labgate.info.pixelSpacing ?? ready.image.labgate.info.imagerPixelSpacing) : null;

  return (
    <section
      ref={sectionRef}
      className="card"
      data-testid="viewer"
      data-frame={frameCount > 1 ? frame + 1 : undefined}
      data-frames={frameCount > 1 ? frameCount : undefined}
      data-playing={playing ? "true" : undefined}
      data-frame-ms={playback ? round(playback.ms) : undefined}
      data-state={state.kind}
      data-renders={renders}
      data-first-render-ms={firstRenderMs ?? undefined}
      data-decoded-in={ready?.image.labgate.decodedIn}
      data-active={active ? "true" : undefined}
      aria-label={`Image viewer: ${title}`}
      onFocus={onActivate}
      style={{ minWidth: 0, marginBottom: 0, ...(fullscreen ? { overflow: "auto" } : {}), ...(active ? { borderColor: "var(--accent)", boxShadow: "0 0 0 1px var(--accent)" } : {}) }}
    >
      <h2 style={{ marginTop: 0 }}>{title}</h2>
      <ViewerToolbar
        disabled={!ready}
        tool={tool}
        onTool={setTool}
        presets={ready?.presets ?? []}
        onPreset={applyPreset}
        onWindow={(center, width) => applyPreset({ label: "", center, width })}
        invert={shown?.invert ?? false}
        onInvert={() => update((vp) => ({ invert: !vp.invert }))}
        onZoom={(factor) => update((vp) => ({ scale: clampScale(vp.scale * factor) }))}
        onFit={() => hostRef.current && csRef.current?.fitToWindow(hostRef.current)}
        onActualSize={() => update(() => ({ scale: 1 }))}
        onRotate={() => update((vp) => ({ rotation: (vp.rotation + 90) % 360 }))}
        onFlip={() => update((vp) => ({ hflip: !vp.hflip }))}
        onReset={reset}
      />
      <div style={{ display: "flex", flexWrap: "wrap", gap: ".4rem", alignItems: "center", marginBottom: ".6rem" }}>
        {frameCount > 1 && (
          <>
            <button type="button" className="secondary" aria-pressed={playing} title="Play or pause the frames (space)" onClick={() => setPlaying((p) => !p)}>
              {playing ? "Pause" : "Play"}
            </button>
            <input
              type="range"
              aria-label="Frame"
              min={1}
              max={frameCount}
              value={frame + 1}
              onChange={(e) => {
                setPlaying(false);
                setFrame(Number(e.target.value) - 1);
              }}
              style={{ flex: "1 1 8rem", minWidth: "6rem" }}
            />
            <span data-testid="viewer-frame" style={{ fontVariantNumeric: "tabular-nums" }}>
              Frame {frame + 1} / {ready!.image.labgate.info.numberOfFrames}
              {frameCount < ready!.image.labgate.info.numberOfFrames && ` (only the first ${frameCount} fit in memory)`}
              {playback && ` · ${playback.label}`}
            </span>
          </>
        )}
        <button type="button" className="secondary" aria-pressed={fullscreen} title="Full screen (key F)" onClick={toggleFullscreen}>
          {fullscreen ? "Leave full screen" : "Full screen"}
        </button>
        <button type="button" className="secondary" aria-expanded={showKeys} title="Keyboard shortcuts (key ?)" onClick={() => setShowKeys((v) => !v)}>
          ?
        </button>
      </div>
      {showKeys && <ShortcutsPanel onClose={() => setShowKeys(false)} />}
      <div style={{ display: "flex", flexWrap: "wrap", gap: "1rem", alignItems: "flex-start" }}>
        <div style={{ position: "relative", flex: "2 1 420px", maxWidth: fullscreen ? "none" : VIEWPORT_MAX.width, height: fullscreen ? "calc(100vh - 12rem)" : VIEWPORT_MAX.height, background: "#000", userSelect: "none" }}>
          {previewSrc && !drawn && state.kind !== "error" && (
            // Painted from the server's HTML, before any script has run, fitted as cornerstone fits
            // the image; under the viewport, which takes the pointer (and the context menu). Not
            // next/image: its optimizer would keep copies of the image on disk and serve them.
            // eslint-disable-next-line @next/next/no-img-element
            <img
              src={previewSrc}
              alt=""
              aria-hidden
              draggable={false}
              fetchPriority="high"
              data-testid="viewer-preview"
              {...{ elementtiming: PREVIEW_TIMING }}
              style={{ position: "absolute", inset: 0, width: "100%", height: "100%", objectFit: "contain", pointerEvents: "none" }}
            />
          )}
          <div
            ref={hostRef}
            data-testid="viewer-image"
            tabIndex={0}
            aria-label="Image: drag to adjust the window (or pan/zoom with the selected tool), wheel or pinch to zoom; keys i, r, f, 1, +, −, [, ], h, v, w, p, z"
            style={{ position: "absolute", inset: 0, touchAction: "none", cursor: tool === "pan" ? "move" : tool === "zoom" ? "zoom-in" : "crosshair", outline: "none" }}
            data-tool={tool}
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
          <canvas ref={overlayRef} aria-hidden data-testid="viewer-overlay" style={{ position: "absolute", inset: 0, width: "100%", height: "100%", pointerEvents: "none" }} />
          {!drawn && (
            // Over the preview picture until the canvas, which draws its own (watermark.ts), takes over.
            <div aria-hidden style={{ position: "absolute", right: 8, bottom: 8, color: "rgba(255,255,255,.55)", font: "12px/1.3 system-ui, sans-serif", pointerEvents: "none", textAlign: "right", textShadow: "0 0 2px #000" }} data-testid="viewer-watermark">
              {watermarkLines({ name: viewerName, email: viewerEmail }, null).map((line) => (
                <div key={line}>{line}</div>
              ))}
            </div>
          )}
          {state.kind === "loading" && firstRenderMs === null && <p style={{ position: "absolute", top: 8, left: 8, color: "#ddd", margin: 0 }}>Loading image…</p>}
          {state.kind === "error" && (
            <p role="alert" data-testid="viewer-error" style={{ position: "absolute", inset: 0, margin: 0, padding: "1rem", color: "#fff", background: "#5a1f1f" }}>
              {state.message}
            </p>
          )}
        </div>
        {ready && (measurements.length > 0 || tool === "length" || tool === "angle") && (
          <MeasurementList
            items={measurements}
            calibration={calibrationOf(ready.image.labgate.info)}
            onDelete={(id) => setMeasurements((list) => list.filter((m) => m.id !== id))}
            onClear={() => setMeasurements([])}
          />
        )}
        <DicomHeaderPanel header={ready ? ready.image.labgate.header : state.kind === "error" ? state.header : undefined} failed={state.kind === "error"} />
      </div>
      <p className="muted" data-testid="viewer-status" style={{ fontVariantNumeric: "tabular-nums", minHeight: "1.4em", marginBottom: 0 }}>
        {shown && `Window C ${round(shown.center)} / W ${round(shown.width)}${shown.invert ? " · inverted" : ""} · zoom ${Math.round(shown.scale * 100)}%${shown.rotation ? ` · ${shown.rotation}°` : ""}${shown.hflip ? " · flipped" : ""}`}
        {frameCount > 1 && ` · frame ${frame + 1} / ${ready!.image.labgate.info.numberOfFrames}`}
        {spacing && ` · pixel ${round(spacing.column)}×${round(spacing.row)} mm`}
        {probe && ` · ${probe}`}
      </p>
    </section>
  );
}
