import { ServiceError } from '@servicenow/glide/sn_ws_err';

/** Answers with the platform's error shape: {"error": {"message", "detail"}, "status": "failure"}. */
export function respondWithError(response: any, status: number, message: string, detail: string): void {
  const error = new ServiceError();
  error.setStatus(status);
  error.setMessage(message);
  error.setDetail(detail);
  response.setError(error);
}

/** The parsed JSON body, or undefined when there is none or it is not JSON. */
export function jsonBody(request: any): unknown {
  try {
    return request.body ? request.body.data : undefined;
  } catch {
    return undefined;
  }
}
