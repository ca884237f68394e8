// hdr-histogram-js: the reference for recording one latency, in JS mode and, when its embedded
// WebAssembly initialises, in WebAssembly mode. It records integers, so it is fed microseconds.
import * as hdr from 'hdr-histogram-js';

export const library = 'hdr-histogram-js';
export const packages = ['hdr-histogram-js'];

const SHAPE = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 2,
};

export async function load() {
  const variants = [
    {
      label: 'hdr-histogram-js (JS)',
      input: 'us',
      make: () => {
        const h = hdr.build({ ...SHAPE, useWebAssembly: false });
        return (v) => h.recordValue(v);
      },
    },
  ];
  let wasmNote = 'WebAssembly mode initialised';
  try {
    await hdr.initWebAssembly();
    variants.push({
      label: 'hdr-histogram-js (WebAssembly)',
      input: 'us',
      make: () => {
        const h = hdr.build({ ...SHAPE, useWebAssembly: true });
        return (v) => h.recordValue(v);
      },
    });
  } catch (error) {
    wasmNote = `WebAssembly mode unavailable: ${error.message}`;
  }
  return { caps: { histogram: variants }, notes: { histogram: wasmNote } };
}
