using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace GradGen.Tests.Infrastructure;

/// <summary>
/// Snapshot assertions in Verify's file convention: <c>Name.verified.cs</c> is committed beside the test;
/// on a mismatch the actual text is written to <c>Name.received.cs</c> (ignored by git) and the test fails.
/// To accept: run the tests with <c>GRADGEN_ACCEPT=1</c>, or rename the .received.cs file to .verified.cs.
/// </summary>
public static class Snapshot
{
    public static void Verify(string actual, string name, [CallerFilePath] string testFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        Directory.CreateDirectory(directory);
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        if (Environment.GetEnvironmentVariable("GRADGEN_ACCEPT") == "1")
        {
            File.WriteAllText(verified, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot yet for '{name}'. Review {received} and accept it (GRADGEN_ACCEPT=1 dotnet test, or rename it to .verified.cs)."
            : $"Generated source differs from {verified}. Review {received}; accept with GRADGEN_ACCEPT=1 dotnet test.");
    }
}
