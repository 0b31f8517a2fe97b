// sm-crypto is CommonJS; Node's ESM loader cannot see every one of its named exports
// (`sm3` is missed), so take the module object as the default import, which both Node and Vite give.
import smCrypto from "sm-crypto";

export const { sm2, sm3 } = smCrypto;
