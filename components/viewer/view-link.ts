// Linked panes: a window/level, zoom or pan made in one viewport is applied to the others. Zoom and
// pan travel relative to each image (zoom as a multiple of its own fit, pan as a fraction of its
// size), since a PA and a lateral differ in size; the window travels as it is, in modality units.

export type LinkedView = {
  voi?: { windowCenter: number; windowWidth: number };
  /** The scale divided by the image's fit-to-viewport scale. */
  zoom?: number;
  /** The translation divided by the image's columns and rows. */
  pan?: { x: number; y: number };
};

export type ViewLink = {
  publish(from: number, view: LinkedView): void;
  subscribe(id: number, apply: (view: LinkedView) => void): () => void;
};

export function createViewLink(): ViewLink {
  const listeners = new Map<number, (view: LinkedView) => void>();
  return {
    publish(from, view) {
      for (const [id, apply] of listeners) if (id !== from) apply(view);
    },
    subscribe(id, apply) {
      listeners.set(id, apply);
      return () => {
        if (listeners.get(id) === apply) listeners.delete(id);
      };
    },
  };
}
