// Search snippet highlights are marked with these control characters (not HTML), so report text can
// never inject markup; the page turns them into <mark>.
export const HIGHLIGHT_START = "\u0002";
export const HIGHLIGHT_STOP = "\u0003";
