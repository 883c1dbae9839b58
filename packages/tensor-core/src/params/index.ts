export {
  type FlatSlot,
  fans,
  type ParamEntry,
  type ParamInfo,
  type ParamLayout,
  ParamMap,
  type ParamRole,
} from './param-map.js';
