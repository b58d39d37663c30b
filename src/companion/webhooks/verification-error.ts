import { IncidentSnError } from '../../shared/errors';

export const VERIFICATION_FAILURES = ['missing_signature', 'malformed_signature', 'stale_timestamp', 'signature_mismatch', 'no_secret'] as const;
export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

/**
 * A push that failed verification. `status` is what the receiver answers; `header` is the
 * offending header's value (never a secret), for logs.
 */
export class WebhookVerificationError extends IncidentSnError {
  readonly status: number;
  readonly reason: VerificationFailure;
  readonly header: string | undefined;

  constructor(reason: VerificationFailure, message: string, header?: string) {
    super(message, { code: `webhook_${reason}` });
    this.reason = reason;
    this.header = header;
    // A connection with no secret is our configuration problem, not the sender's.
    this.status = reason === 'no_secret' ? 503 : reason === 'missing_signature' || reason === 'malformed_signature' ? 400 : 401;
  }
}
