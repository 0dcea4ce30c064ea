"use client";

// What `?` shows: every key the image answers to (image-viewer.tsx's onKeyDown), in one place.
const KEYS: [string, string][] = [
  ["w / p / z", "drag tool: window/level, pan, zoom"],
  ["l / a", "measure a length (drag) or an angle (three clicks, vertex second)"],
  ["i", "invert"],
  ["r", "reset the view"],
  ["f / 1", "fit to the viewer / one image pixel per screen pixel"],
  ["+ / −", "zoom in / out"],
  ["[ / ]", "rotate 90° left / right"],
  ["h / v", "flip horizontally / vertically"],
  ["← / →", "previous / next frame (multi-frame images)"],
  ["space", "play / pause the frames"],
  ["F (shift f)", "full screen"],
  ["Esc", "cancel a measurement, close this list"],
  ["?", "show / hide this list"],
  ["shift-drag, middle-drag", "pan with any tool; ctrl-drag zooms"],
  ["wheel, pinch", "zoom"],
];

export function ShortcutsPanel({ onClose }: { onClose: () => void }) {
  return (
    <div role="dialog" aria-label="Keyboard shortcuts" data-testid="viewer-shortcuts" className="card" style={{ marginBottom: ".6rem" }}>
      <table>
        <tbody>
          {KEYS.map(([key, what]) => (
            <tr key={key}>
              <th scope="row" style={{ whiteSpace: "nowrap" }}>
                <kbd>{key}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="secondary" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
