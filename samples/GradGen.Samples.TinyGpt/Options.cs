using System;
using System.Globalization;

namespace GradGen.Samples.TinyGpt;

/// <summary>The command line: <c>--name value</c> pairs, every one optional.</summary>
public sealed class Options
{
    /// <summary>B, sequences per step.</summary>
    public int Batch { get; private set; } = 4;
    /// <summary>T, tokens per sequence (also the size of the position table).</summary>
    public int Sequence { get; private set; } = 64;
    /// <summary>C, channels.</summary>
    public int Channels { get; private set; } = 128;
    /// <summary>NH, attention heads.</summary>
    public int Heads { get; private set; } = 4;
    /// <summary>L, transformer blocks.</summary>
    public int Layers { get; private set; } = 4;
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; private set; } = 800;
    /// <summary>AdamW's learning rate.</summary>
    public double LearningRate { get; private set; } = 2e-3;
    /// <summary>Seed of the initialisation and the batches.</summary>
    public int Seed { get; private set; } = 1;
    /// <summary>Bytes generated per sample at the end.</summary>
    public int SampleLength { get; private set; } = 160;
    /// <summary>Folder for the loss curve and the weights.</summary>
    public string Output { get; private set; } = "tinygpt-output";
    /// <summary>A safetensors file to start from (its sizes override --channels, --heads, --layers, --seq).</summary>
    public string? Load { get; private set; }
    /// <summary>Skip the gradient check before training.</summary>
    public bool SkipCheck { get; private set; }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        dotnet run -c Release --project samples/GradGen.Samples.TinyGpt -- [options]
          --steps N        optimizer steps (800)          --lr X          AdamW learning rate (0.002)
          --batch B        sequences per step (4)         --seq T         tokens per sequence (64)
          --channels C     channels (128)                 --heads NH      attention heads (4)
          --layers L       transformer blocks (4)         --seed S        random seed (1)
          --sample N       bytes per generated sample (160)
          --out DIR        output folder (tinygpt-output): loss.png, loss.csv, model.safetensors
          --load FILE      start from saved weights (e.g. tinygpt-output/model.safetensors); --steps 0 only samples
          --no-check       skip the gradient check
        """;

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with the usage on anything unknown.</summary>
    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--steps": options.Steps = Int(); break;
                case "--batch": options.Batch = Int(); break;
                case "--seq": options.Sequence = Int(); break;
                case "--channels": options.Channels = Int(); break;
                case "--heads": options.Heads = Int(); break;
                case "--layers": options.Layers = Int(); break;
                case "--seed": options.Seed = Int(); break;
                case "--sample": options.SampleLength = Int(); break;
                case "--lr": options.LearningRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": options.Output = Next(); break;
                case "--load": options.Load = Next(); break;
                case "--no-check": options.SkipCheck = true; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
            }
        }
        return options;
    }
}
