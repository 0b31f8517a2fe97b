/** Trailer naming why a share was refused: a code of docs/grants.md's closed set, or a pipeline refusal. */
export const shareDenialTrailer = "hutong-denial";
