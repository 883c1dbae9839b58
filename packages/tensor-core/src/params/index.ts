export { type ParamsLike, toVariableRecord, type ValueAndGrads, valueAndGrads } from './grads.js';
export {
  inferLayersMeta,
  type LayerLike,
  type LayersModelLike,
  type LayersParamsOptions,
  type LayersWeightInfo,
  type LayersWeightLike,
  layersParamNames,
  type ParamMeta,
  paramsFromLayersModel,
} from './layers.js';
export {
  type FlatSlot,
  fans,
  type ParamEntry,
  type ParamInfo,
  type ParamLayout,
  ParamMap,
  type ParamRole,
  type VariableEntry,
} from './param-map.js';
export { checkSavedTensor, loadTensor, type SavedTensor, saveTensor } from './saved-tensor.js';
