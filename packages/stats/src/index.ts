export { DEFAULT_HISTOGRAM_OPTIONS, Histogram, type HistogramOptions } from './histogram.js';
export { percentile } from './percentile.js';
export { mean, type StddevOptions, stddev } from './summary.js';
