// @hutong/errors: the error base every hutong package's error class extends.

export { CodedError, codedErrorGuard, isCodedError } from "./coded-error.js";
