// cornerstone-core 2.x ships no type declarations; only what the viewer calls is declared.

declare module "cornerstone-core" {
  type Image = import("@/lib/dicom/cornerstone-image").CornerstoneImage;

  export type Viewport = {
    scale: number;
    translation: { x: number; y: number };
    voi: { windowWidth: number; windowCenter: number };
    invert: boolean;
    pixelReplication: boolean;
    rotation: number;
    hflip: boolean;
    vflip: boolean;
    voiLUT?: unknown;
  };

  export type ImageLoadObject = { promise: Promise<Image>; cancelFn?: () => void };

  const cornerstone: {
    enable(element: HTMLElement, options?: Record<string, unknown>): void;
    disable(element: HTMLElement): void;
    registerImageLoader(scheme: string, loader: (imageId: string) => ImageLoadObject): void;
    loadImage(imageId: string): Promise<Image>;
    displayImage(element: HTMLElement, image: Image, viewport?: Partial<Viewport>): void;
    getViewport(element: HTMLElement): Viewport | undefined;
    setViewport(element: HTMLElement, viewport: Partial<Viewport>): void;
    getDefaultViewportForImage(element: HTMLElement, image: Image): Viewport;
    reset(element: HTMLElement): void;
    fitToWindow(element: HTMLElement): void;
    resize(element: HTMLElement, fitToWindow?: boolean): void;
    pageToPixel(element: HTMLElement, pageX: number, pageY: number): { x: number; y: number };
    pixelToCanvas(element: HTMLElement, point: { x: number; y: number }): { x: number; y: number };
    imageCache: {
      setMaximumSizeBytes(bytes: number): void;
      getCacheInfo(): { maximumSizeInBytes: number; cacheSizeInBytes: number; numberOfImagesCached: number };
    };
    EVENTS: { IMAGE_RENDERED: string };
  };
  export default cornerstone;
}
