// Glide APIs whose @servicenow/glide 27.0.5 declarations differ from the ServiceNow API reference.
// (A module file, so this augments the package's types rather than replacing them.)
export {};

declare module '@servicenow/glide' {
  /**
   * CertificateEncryption - Scoped (API reference): `new CertificateEncryption().generateMac(base64Key,
   * 'HmacSHA256', data)` returns the MAC in base64. The package declares generateMac static only.
   */
  interface CertificateEncryption {
    generateMac(key: string, algorithm: string, data: string): string;
  }
}
