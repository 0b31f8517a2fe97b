/** The widest range one ResendLicenceEvents call covers: the issuer refuses more, the library asks in parts. */
export const maxResend = 10_000n;
