export {
  checkAllFinite,
  checkFinite,
  checkInRange,
  checkInteger,
  checkNonNegative,
  checkObject,
  checkOneOf,
  checkPositive,
  checkShape,
  describeValue,
  MAX_TENSOR_ELEMENTS,
  PaperkitInputError,
} from './errors.js';
