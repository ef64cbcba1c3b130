using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

internal static partial class Rules
{
    /// <summary>Lookups by integer id.</summary>
    private static readonly Rule[] Indexing =
    {
        Op(OpKind.Embedding, "tpp", "Embedding", "{y} = {a}[{b}] (rows gathered by id)", A("{Adjoint}.Embedding({g}, {b}, {into})", "∂L/∂{a}[id] += ∂L/∂{y} at each position of id (a repeated id accumulates)", Reads.B), null, null) with { Shape = ShapeRule.Embedding },
    };
}
