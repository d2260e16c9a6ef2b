// Types for enospc.mjs: it exports nothing; importing it patches node:fs (see that file).
export {}
