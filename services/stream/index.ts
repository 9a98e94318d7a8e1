/** Event-time windowing: window shapes, watermarks and the keyed window store (pure, no I/O). */
export * from './aggregate.js';
export * from './watermark.js';
export * from './window-spec.js';
export * from './windowed-aggregator.js';
