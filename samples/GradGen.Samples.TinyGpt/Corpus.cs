using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace GradGen.Samples.TinyGpt;

/// <summary>The training text: every *.md and *.cs file of this repository, as bytes (the tokens of a byte-level model).</summary>
public sealed class Corpus
{
    private readonly byte[] _bytes;

    private Corpus(byte[] bytes, int files, string root) { _bytes = bytes; Files = files; Root = root; }

    /// <summary>The number of files read.</summary>
    public int Files { get; }
    /// <summary>The repository root they were read from.</summary>
    public string Root { get; }
    /// <summary>The number of bytes (tokens).</summary>
    public int Length => _bytes.Length;

    /// <summary>Reads the repository found by walking up from the executable's folder, then from the current folder, to the one holding GradGen.sln.</summary>
    public static Corpus Load()
    {
        var root = FindRoot(AppContext.BaseDirectory) ?? FindRoot(Directory.GetCurrentDirectory())
            ?? throw new InvalidOperationException("TinyGpt: no GradGen.sln above " + AppContext.BaseDirectory + " or the current folder.");
        var files = Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" || part.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .ToList();
        var bytes = new List<byte>();
        foreach (var file in files) bytes.AddRange(File.ReadAllBytes(file));
        return new Corpus(bytes.ToArray(), files.Count, root);
    }

    private static string? FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GradGen.sln"))) return directory.FullName;
        }
        return null;
    }

    /// <summary>B random windows of T + 1 bytes: the inputs and, shifted by one, the targets (row-major [B, T]).</summary>
    public (int[] Tokens, int[] Targets) Batch(Random random, int B, int T)
    {
        var tokens = new int[B * T];
        var targets = new int[B * T];
        for (var b = 0; b < B; b++)
        {
            var start = random.Next(_bytes.Length - T - 1);
            for (var t = 0; t < T; t++)
            {
                tokens[b * T + t] = _bytes[start + t];
                targets[b * T + t] = _bytes[start + t + 1];
            }
        }
        return (tokens, targets);
    }

    /// <summary>The text of the first line at or after a random position (a prompt for sampling).</summary>
    public byte[] Prompt(Random random, int length)
    {
        var start = random.Next(_bytes.Length - 2 * length);
        while (start < _bytes.Length - length && _bytes[start] != (byte)'\n') start++;
        return _bytes.AsSpan(start + 1, length).ToArray();
    }
}
