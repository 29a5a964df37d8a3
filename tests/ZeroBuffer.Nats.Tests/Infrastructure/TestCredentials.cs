using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NATS.NKeys;

namespace ZeroBuffer.Nats.Tests.Infrastructure;

/// <summary>
/// A throwaway NATS operator, an account it signed and a user that account signed, made here with
/// NKEYS (no nsc): the operator and account JWTs for nats-server's operator mode with a memory
/// resolver (<see cref="ServerConfiguration"/>), and the user's credentials file as nsc writes it.
/// Beside it, two files the server must refuse: a user signed by an account the operator never
/// signed, and the right user's JWT with another user's seed; and one whose seed does not even
/// decode. Files live in a directory of their own, removed on dispose.
/// </summary>
/// <remarks>
/// A NATS JWT (v2): base64url (no padding) of the header <c>{"typ":"JWT","alg":"ed25519-nkey"}</c>,
/// a dot, base64url of the claims (<c>jti</c>, <c>iat</c>, <c>iss</c>: the signer's public key,
/// <c>name</c>, <c>sub</c>: the subject's public key, and <c>nats</c>: the type's own claims with
/// <c>type</c> and <c>version</c> 2), a dot, and base64url of the issuer's ed25519 signature of
/// <c>header.claims</c>. The operator signs itself and the account; the account signs its users.
/// </remarks>
internal sealed class TestCredentials : IDisposable
{
    private const string Header = """{"typ":"JWT","alg":"ed25519-nkey"}""";
    private const long NoLimit = -1;

    private readonly string _directory = Directory.CreateTempSubdirectory("zbn-creds-").FullName;

    internal TestCredentials()
    {
        using KeyPair operatorKey = KeyPair.CreatePair(PrefixByte.Operator);
        using KeyPair accountKey = KeyPair.CreatePair(PrefixByte.Account);
        using KeyPair userKey = KeyPair.CreatePair(PrefixByte.User);
        using KeyPair strangerAccountKey = KeyPair.CreatePair(PrefixByte.Account);
        using KeyPair strangerKey = KeyPair.CreatePair(PrefixByte.User);
        using KeyPair otherUserKey = KeyPair.CreatePair(PrefixByte.User);

        OperatorJwt = Sign(operatorKey, operatorKey.GetPublicKey(), "zbn-operator", new JsonObject { ["type"] = "operator", ["version"] = 2 });
        AccountPublicKey = accountKey.GetPublicKey();
        AccountJwt = Sign(operatorKey, AccountPublicKey, "zbn-account", AccountClaims());
        string userJwt = Sign(accountKey, userKey.GetPublicKey(), "zbn-user", UserClaims());

        UserCredsFile = Write("user.creds", Creds(userJwt, userKey.GetSeed()));

        // Well formed, but the server knows no such account: the operator never signed it.
        string strangerJwt = Sign(strangerAccountKey, strangerKey.GetPublicKey(), "zbn-stranger", UserClaims());
        StrangerCredsFile = Write("stranger.creds", Creds(strangerJwt, strangerKey.GetSeed()));

        // The right user's JWT, but the seed of another user: the nonce's signature is not the JWT's subject's.
        WrongSeedCredsFile = Write("wrong-seed.creds", Creds(userJwt, otherUserKey.GetSeed()));

        // A typo in the seed: one character changed in its middle, so its checksum no longer holds.
        char[] typo = userKey.GetSeed().ToCharArray();
        typo[typo.Length / 2] = typo[typo.Length / 2] == 'A' ? 'B' : 'A';
        CorruptSeedCredsFile = Write("corrupt-seed.creds", Creds(userJwt, new string(typo)));
    }

    /// <summary>The operator's self-signed JWT.</summary>
    internal string OperatorJwt { get; }

    /// <summary>The account's public key (A...), as the memory resolver's preload names it.</summary>
    internal string AccountPublicKey { get; }

    /// <summary>The account's JWT, signed by the operator: unlimited connections, subscriptions, data and payload.</summary>
    internal string AccountJwt { get; }

    /// <summary>The user's credentials file: its JWT (signed by the account: publish and subscribe anywhere, no limits) and its seed.</summary>
    internal string UserCredsFile { get; }

    /// <summary>A user signed by an account the server does not know.</summary>
    internal string StrangerCredsFile { get; }

    /// <summary>The user's JWT with a seed that is not the user's.</summary>
    internal string WrongSeedCredsFile { get; }

    /// <summary>The user's JWT with its seed mistyped: the seed does not decode.</summary>
    internal string CorruptSeedCredsFile { get; }

    /// <summary>nats-server's operator mode: this operator trusted, this account preloaded in a memory resolver.</summary>
    internal string ServerConfiguration =>
        $"operator: \"{OperatorJwt}\"\nresolver: MEMORY\nresolver_preload: {{\n  {AccountPublicKey}: \"{AccountJwt}\"\n}}";

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>An account's claims: no limit on anything (JetStream not enabled), users may publish and subscribe anywhere by default.</summary>
    private static JsonObject AccountClaims() => new()
    {
        ["limits"] = new JsonObject
        {
            ["subs"] = NoLimit,
            ["data"] = NoLimit,
            ["payload"] = NoLimit,
            ["imports"] = NoLimit,
            ["exports"] = NoLimit,
            ["wildcards"] = true,
            ["conn"] = NoLimit,
            ["leaf"] = NoLimit,
        },
        ["default_permissions"] = new JsonObject { ["pub"] = new JsonObject(), ["sub"] = new JsonObject() },
        ["type"] = "account",
        ["version"] = 2,
    };

    /// <summary>A user's claims: publish and subscribe anywhere (empty permissions), no limit on subscriptions, data or payload.</summary>
    private static JsonObject UserClaims() => new()
    {
        ["pub"] = new JsonObject(),
        ["sub"] = new JsonObject(),
        ["subs"] = NoLimit,
        ["data"] = NoLimit,
        ["payload"] = NoLimit,
        ["type"] = "user",
        ["version"] = 2,
    };

    /// <summary>The JWT of <paramref name="subject"/> with <paramref name="nats"/> claims, signed by <paramref name="issuer"/>.</summary>
    private static string Sign(KeyPair issuer, string subject, string name, JsonObject nats)
    {
        long issuedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string issuerKey = issuer.GetPublicKey();

        // jti: a unique id, the base32 of a hash of the standard claims (nats-io/jwt hashes with SHA-512/256,
        // which .NET lacks; the server does not recompute it, so SHA-256 serves).
        var standard = new JsonObject { ["iat"] = issuedAt, ["iss"] = issuerKey, ["name"] = name, ["sub"] = subject };
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(standard.ToJsonString()));
        var claims = new JsonObject
        {
            ["jti"] = Base32Text(hash),
            ["iat"] = issuedAt,
            ["iss"] = issuerKey,
            ["name"] = name,
            ["sub"] = subject,
            ["nats"] = nats,
        };

        string signed = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Header)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        byte[] signature = new byte[64]; // ed25519
        issuer.Sign(Encoding.ASCII.GetBytes(signed), signature);
        return signed + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>A credentials file as nsc writes it: the JWT block, then the seed block.</summary>
    private static string Creds(string jwt, string seed) => string.Create(CultureInfo.InvariantCulture, $"""
        -----BEGIN NATS USER JWT-----
        {jwt}
        ------END NATS USER JWT------

        ************************* IMPORTANT *************************
        NKEY Seed printed below can be used to sign and prove identity.
        NKEYs are sensitive and should be treated as secrets.

        -----BEGIN USER NKEY SEED-----
        {seed}
        ------END USER NKEY SEED------

        *************************************************************

        """);

    private static string Base32Text(byte[] data)
    {
        char[] text = new char[Base32.GetEncodedLength(data)];
        int length = Base32.ToBase32(data, text);
        return new string(text, 0, length).TrimEnd('=');
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
