using System;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;

namespace GradGen.Samples.CharRnn;

/// <summary>The training text (this repository's docs/*.md) and its character vocabulary.</summary>
public sealed class Corpus
{
    private readonly int[] _index;

    private Corpus(string text)
    {
        Text = text;
        Characters = text.Distinct().Order().ToArray();
        _index = new int[Characters.Max() + 1];
        for (var i = 0; i < Characters.Length; i++) _index[Characters[i]] = i;
        Ids = text.Select(c => _index[c]).ToArray();
    }

    /// <summary>The whole text.</summary>
    public string Text { get; }

    /// <summary>The vocabulary: every distinct character, sorted; a character's id is its position here.</summary>
    public char[] Characters { get; }

    /// <summary>The text as ids.</summary>
    public int[] Ids { get; }

    /// <summary>The id of a character of the text.</summary>
    public int Id(char c) => _index[c];

    /// <summary>Reads docs/*.md of the repository, found by walking up from <paramref name="start"/> to the folder holding GradGen.sln.</summary>
    public static Corpus FromRepositoryDocs(string start)
    {
        var folder = new DirectoryInfo(start);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "GradGen.sln"))) folder = folder.Parent;
        if (folder is null) throw new DirectoryNotFoundException($"No folder holding GradGen.sln above {start}: run the sample from inside the repository.");
        var files = Directory.GetFiles(Path.Combine(folder.FullName, "docs"), "*.md").Order(StringComparer.Ordinal);
        return new Corpus(string.Join("\n\n", files.Select(File.ReadAllText)).Replace("\r\n", "\n"));
    }

    /// <summary>
    /// A batch of <paramref name="batch"/> windows of <paramref name="steps"/> characters starting at random offsets, laid
    /// out by time step as <see cref="Rnn.Loss"/> reads them: inputs[t·B + b] is character t of window b, and
    /// targets[t, b, :] is the one-hot row of the character after it.
    /// </summary>
    public (int[] Inputs, Tensor<float> Targets) Batch(Random random, int steps, int batch)
    {
        var inputs = new int[steps * batch];
        var targets = new float[steps * batch * Characters.Length];
        for (var b = 0; b < batch; b++)
        {
            var start = random.Next(Ids.Length - steps - 1);
            for (var t = 0; t < steps; t++)
            {
                inputs[t * batch + b] = Ids[start + t];
                targets[(t * batch + b) * Characters.Length + Ids[start + t + 1]] = 1;
            }
        }
        return (inputs, Tensor.Create(targets, [steps, batch, Characters.Length]));
    }
}
