/**
 * sn_ws_err: the errors a scripted REST operation answers with (response.setError(error) or
 * `throw new sn_ws_err.NotFoundError('…')`). The response body uses the platform's error shape.
 */
export class ServiceErrorImpl {
  status = 500;
  message = '';
  detail = '';

  setStatus(status: unknown): ServiceErrorImpl {
    const n = Number(status);
    if (Number.isInteger(n) && n >= 100 && n <= 599) this.status = n;
    return this;
  }
  getStatus(): number {
    return this.status;
  }
  setMessage(message: unknown): ServiceErrorImpl {
    this.message = String(message ?? '');
    return this;
  }
  getMessage(): string {
    return this.message;
  }
  setDetail(detail: unknown): ServiceErrorImpl {
    this.detail = String(detail ?? '');
    return this;
  }
  getDetail(): string {
    return this.detail;
  }
  toString(): string {
    return `${this.status} ${this.message}`;
  }
}

function subclass(status: number, name: string): new (message?: unknown) => ServiceErrorImpl {
  const cls = class extends ServiceErrorImpl {
    constructor(message?: unknown) {
      super();
      this.status = status;
      if (message !== undefined) this.message = String(message);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** The members of `sn_ws_err`. */
export function serviceErrorClasses(): Record<string, unknown> {
  return {
    ServiceError: ServiceErrorImpl,
    BadRequestError: subclass(400, 'BadRequestError'),
    NotFoundError: subclass(404, 'NotFoundError'),
    NotAcceptableError: subclass(406, 'NotAcceptableError'),
    ConflictError: subclass(409, 'ConflictError'),
    UnsupportedMediaTypeError: subclass(415, 'UnsupportedMediaTypeError'),
  };
}
