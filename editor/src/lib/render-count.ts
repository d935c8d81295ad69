// How often the canvas and its node cards have rendered, counted in the production build too, so the
// canvas benchmark can measure renders per streamed token (bench/editor.ts). Plain increments: no cost to speak of.
export const renderCounts = { canvas: 0, nodes: 0, streamTails: 0, byNode: {} as Record<string, number> };
