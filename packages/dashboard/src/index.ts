export { type DashboardHandler, dashboard } from './dashboard.js';
export { type DashboardOptions, DEFAULT_DASHBOARD_OPTIONS } from './options.js';
