using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// A throwaway certificate authority and a server certificate it signed for 127.0.0.1, written as
/// PEM files in a directory of their own (removed on dispose): enough for nats-server's
/// <c>tls { cert_file, key_file }</c> and a client's <c>--tls-ca</c>. A second, unrelated CA is
/// there to be the wrong one.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("zbn-tls-").FullName;

    internal TestCertificates()
    {
        using RSA caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=zbn test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using RSA serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        using X509Certificate2 server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), [1, 2, 3, 4, 5, 6, 7, 8]);

        using RSA otherKey = RSA.Create(2048);
        var otherRequest = new CertificateRequest("CN=zbn unrelated CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        using X509Certificate2 other = otherRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        CaFile = Write("ca.pem", ca.ExportCertificatePem());
        ServerCertFile = Write("server.pem", server.ExportCertificatePem());
        ServerKeyFile = Write("server-key.pem", serverKey.ExportPkcs8PrivateKeyPem());
        WrongCaFile = Write("other-ca.pem", other.ExportCertificatePem());
    }

    /// <summary>The CA that signed the server's certificate.</summary>
    internal string CaFile { get; }

    internal string ServerCertFile { get; }

    internal string ServerKeyFile { get; }

    /// <summary>A CA that signed nothing here.</summary>
    internal string WrongCaFile { get; }

    /// <summary>nats-server's tls block for these files.</summary>
    internal string ServerConfiguration => $"tls {{\n  cert_file: \"{ServerCertFile}\"\n  key_file: \"{ServerKeyFile}\"\n}}";

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string pem)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
