namespace GradGen.Generators;

/// <summary>Names of the generator's pipeline steps, so tests can assert that each one caches.</summary>
public static class TrackingNames
{
    public const string Lowered = nameof(Lowered);
    public const string Accepted = nameof(Accepted);
    public const string Differentiated = nameof(Differentiated);
    public const string Emitted = nameof(Emitted);
}
