/** A JSON value: what plans, inputs, outputs and ledger events are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
