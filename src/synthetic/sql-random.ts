/**
 * Literal and pseudo-randomness helpers for the generator's SQL. Every random draw is
 * a pure function of (seed, salt, keys), so a row's values do not depend on which
 * thread computes it or in which order: that is what makes output reproducible, unlike
 * DuckDB's random()/setseed.
 */
import type { Weighted } from './media-model.ts';

/** A SQL string literal. The generator's constants are ours, but paths come from callers. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

export function sqlStringList(items: readonly string[]): string {
  return sqlList(items.map(sqlString));
}

/**
 * A 64-bit key from the caller's seed (splitmix64 finaliser). DuckDB's multi-argument
 * hash() mixes neighbouring inputs poorly, so adjacent seeds would give correlated data
 * without this step. `stream` derives further independent keys. Returned as a signed BIGINT literal.
 */
export function seedKey(seed: number, stream = 0): string {
  return BigInt.asIntN(64, splitmix64(splitmix64(BigInt(Math.trunc(seed))) + BigInt(stream))).toString();
}

function splitmix64(x: bigint): bigint {
  const mask = (1n << 64n) - 1n;
  let z = (x + 0x9e3779b97f4a7c15n) & mask;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
  return z ^ (z >> 31n);
}

/**
 * `rnd(salt, a, b, c)`: a uniform draw in [0, 1) keyed on the seed, a salt that names the
 * purpose of the draw, and up to three integer keys. The outer hash() re-mixes the
 * combined hash (multi-argument hash alone leaves draws with different salts
 * correlated, r ~ 0.6 measured); the top 53 bits make an exact double below 1. `rnd_bits` is the raw 64 bits.
 */
export function randomMacroSql(seed: number): string[] {
  return [
    'CREATE OR REPLACE TEMP MACRO rnd_bits(salt, a, b, c) AS ' +
      `hash(hash(${seedKey(seed)}::BIGINT, salt::BIGINT, a::BIGINT, b::BIGINT, c::BIGINT))`,
    'CREATE OR REPLACE TEMP MACRO rnd(salt, a, b, c) AS (rnd_bits(salt, a, b, c) >> 11)::DOUBLE / 9007199254740992.0',
  ];
}

/**
 * The 1-based index of a weighted choice, given a uniform draw `u` (a SQL expression).
 * Weights are expanded into a list of indices so the choice is one list lookup.
 */
export function weightedIndexSql<T>(u: string, weighted: Weighted<T>): string {
  const slots: string[] = [];
  weighted.forEach(([, weight], index) => {
    if (!Number.isInteger(weight) || weight <= 0) throw new Error('Internal error: weights must be positive integers');
    for (let i = 0; i < weight; i += 1) slots.push(String(index + 1));
  });
  return `${sqlList(slots)}[1 + floor((${u}) * ${slots.length})::BIGINT]`;
}

/** A weighted choice among strings. */
export function weightedStringSql(u: string, weighted: Weighted<string>): string {
  return `${sqlStringList(weighted.map(([value]) => value))}[${weightedIndexSql(u, weighted)}]`;
}

/** Purposes of random draws; each must be distinct so draws are independent. */
export const SALT = {
  platformUser: 1,
  customer: 2,
  reach: 3,
  control: 4,
  reached: 5,
  frequency: 6,
  firstTime: 7,
  laterTime: 8,
  mainCreative: 9,
  creativeSwitch: 10,
  otherCreative: 11,
  placement: 12,
  mainDevice: 13,
  deviceSwitch: 14,
  otherDevice: 15,
  cost: 16,
  emailDomain: 17,
  location: 18,
  zip1: 19,
  zip2: 20,
  zip3: 21,
  created: 22,
  firstName: 23,
  lastName: 24,
  status: 25,
  birthCountry: 26,
  convert: 27,
  delay: 28,
  organic: 29,
  organicTime: 30,
  eventType: 31,
  version: 32,
  price: 33,
  transaction: 34,
  emailPermutation: 35,
} as const;
