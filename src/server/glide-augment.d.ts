// Glide APIs that exist on instances but are missing from @servicenow/glide 27.0.5's declarations.
// (A module file, so this augments the package's types rather than replacing them.)
export {};

declare module '@servicenow/glide' {
  /** Scoped API: `new GlideCertificateEncryption().generateMac(base64Key, 'HmacSHA256', data)` returns base64. */
  export class GlideCertificateEncryption {
    generateMac(key: string, algorithm: string, data: string): string;
  }
}
