export {
  checkAllFinite,
  checkFinite,
  checkInRange,
  checkInteger,
  checkNonNegative,
  checkOneOf,
  checkPositive,
  describeValue,
  PaperkitInputError,
} from './errors.js';
