// A self-signed certificate for 127.0.0.1 and localhost (valid until 2126), so tests can run a TLS
// server without calling openssl. Test-only: it is excluded from the package build.
export const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwrq2Ru/yEE1HL1G/
nxWv/ycvuJpk64TxSROWUrPJplyhRANCAARw++Vmqq5lYsEf/Zx86OBNADKPALtc
syB8EBmv1+NDWwsR6uw8hVbYvNkuOnw3JoTgKxzUzqkjVM2JZqVZokLz
-----END PRIVATE KEY-----
`;

export const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUeS33zH4dcWI77jd5CrtP4VYImjAwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyODE1MzcwNloYDzIxMjYxMTA0
MTUzNzA2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARw++Vmqq5lYsEf/Zx86OBNADKPALtcsyB8EBmv1+NDWwsR6uw8hVbY
vNkuOnw3JoTgKxzUzqkjVM2JZqVZokLzo28wbTAdBgNVHQ4EFgQU9V3ykVoScrMc
0L+9z2gfLHtV6WQwHwYDVR0jBBgwFoAU9V3ykVoScrMc0L+9z2gfLHtV6WQwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSAAwRQIgDSyeeWR/uzAL4XznnQG2MPkko8ccIFOJuaHVewayTQQCIQD0
hfb2/qMZW+1gcxPhfriRVunXJahfbNdltu5G3YQ7MA==
-----END CERTIFICATE-----
`;
