export {
  checkAllFinite,
  checkFinite,
  checkInRange,
  checkInteger,
  checkNonNegative,
  checkObject,
  checkOneOf,
  checkPositive,
  describeValue,
  PaperkitInputError,
} from './errors.js';
