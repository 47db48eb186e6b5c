/** What a release reports beside its noisy value: "±halfWidth at 95%". */
export interface ErrorBound {
  /** b in the noise's integer (fixed-point) units: P(|noise| > b) <= 1 - confidence. */
  readonly halfWidth: bigint;
  readonly confidence: number;
  /**
   * True: b is the smallest such integer, computed from the exact distribution (it can
   * exceed the smallest only when P(|noise| > b - 1) is within a tiny relative margin,
   * 1e-12 for Laplace and 1e-8 for Gaussian, of 1 - confidence). False: b comes from
   * a looser tail inequality.
   */
  readonly exact: boolean;
}

export function checkConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`Internal error: confidence must be in (0, 1), got ${confidence}`);
  return 1 - confidence;
}
