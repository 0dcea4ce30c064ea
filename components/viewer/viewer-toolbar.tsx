"use client";

export type DragTool = "window" | "pan" | "zoom" | "length" | "angle";
export type Preset = { label: string; center: number; width: number };

type Props = {
  disabled: boolean;
  tool: DragTool;
  onTool: (tool: DragTool) => void;
  presets: Preset[];
  onPreset: (preset: Preset) => void;
  /** A window typed in (centre and width in modality units, e.g. HU). */
  onWindow: (center: number, width: number) => void;
  invert: boolean;
  onInvert: () => void;
  onZoom: (factor: number) => void;
  onFit: () => void;
  onActualSize: () => void;
  onRotate: () => void;
  onFlip: () => void;
  onReset: () => void;
};

const TOOLS: { tool: DragTool; label: string; key: string }[] = [
  { tool: "window", label: "Window/level", key: "w" },
  { tool: "pan", label: "Pan", key: "p" },
  { tool: "zoom", label: "Zoom", key: "z" },
  { tool: "length", label: "Length", key: "l" },
  { tool: "angle", label: "Angle", key: "a" },
];

export function ViewerToolbar(props: Props) {
  const { disabled } = props;
  return (
    <div role="toolbar" aria-label="Viewer tools" style={{ display: "flex", flexWrap: "wrap", gap: ".4rem", alignItems: "center", marginBottom: ".6rem" }}>
      {TOOLS.map((t) => (
        <button
          key={t.tool}
          type="button"
          className={props.tool === t.tool ? undefined : "secondary"}
          aria-pressed={props.tool === t.tool}
          title={t.tool === "length" ? "Drag to measure a length (key l)" : t.tool === "angle" ? "Click three points, the vertex second, to measure an angle (key a)" : `Drag to ${t.label.toLowerCase()} (key ${t.key})`}
          disabled={disabled}
          onClick={() => props.onTool(t.tool)}
        >
          {t.label}
        </button>
      ))}
      <label>
        <span className="muted"> Preset </span>
        <select
          aria-label="Window preset"
          disabled={disabled || props.presets.length === 0}
          value=""
          onChange={(e) => {
            const preset = props.presets[Number(e.target.value)];
            if (preset) props.onPreset(preset);
          }}
        >
          <option value="" disabled>
            {props.presets.length ? "Choose a window…" : "No presets"}
          </option>
          {props.presets.map((p, i) => (
            <option key={i} value={i}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <form
        aria-label="Window"
        style={{ display: "inline-flex", gap: ".3rem", alignItems: "center" }}
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const [center, width] = [Number(data.get("center")), Number(data.get("width"))];
          if (Number.isFinite(center) && Number.isFinite(width) && width >= 1) props.onWindow(center, width);
        }}
      >
        <input name="center" type="number" step="any" required aria-label="Window centre" placeholder="C" disabled={disabled} style={{ width: "5.5em" }} />
        <input name="width" type="number" step="any" min={1} required aria-label="Window width" placeholder="W" disabled={disabled} style={{ width: "5.5em" }} />
        <button type="submit" className="secondary" disabled={disabled}>
          Apply
        </button>
      </form>
      <button type="button" className="secondary" aria-pressed={props.invert} title="Invert (key i)" disabled={disabled} onClick={props.onInvert}>
        Invert
      </button>
      <button type="button" className="secondary" title="Zoom in (key +)" disabled={disabled} onClick={() => props.onZoom(1.25)}>
        +
      </button>
      <button type="button" className="secondary" title="Zoom out (key −)" disabled={disabled} onClick={() => props.onZoom(0.8)}>
        −
      </button>
      <button type="button" className="secondary" title="Fit to the viewer (key f)" disabled={disabled} onClick={props.onFit}>
        Fit
      </button>
      <button type="button" className="secondary" title="One image pixel per screen pixel (key 1)" disabled={disabled} onClick={props.onActualSize}>
        1:1
      </button>
      <button type="button" className="secondary" title="Rotate 90° clockwise (key ])" disabled={disabled} onClick={props.onRotate}>
        Rotate
      </button>
      <button type="button" className="secondary" title="Flip horizontally (key h)" disabled={disabled} onClick={props.onFlip}>
        Flip
      </button>
      <button type="button" className="secondary" title="Back to the image as first shown (key r)" disabled={disabled} onClick={props.onReset}>
        Reset
      </button>
    </div>
  );
}
