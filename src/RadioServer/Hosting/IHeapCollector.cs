namespace RadioServer.Hosting;

/// <summary>The collections <see cref="ConnectionWaveCollector"/> asks for; replaced in tests.</summary>
internal interface IHeapCollector
{
    /// <summary>After arrivals: moves what the new connections hold to the oldest generation.</summary>
    void Settle();

    /// <summary>After departures: compacts the heap and gives its free memory back to the system.</summary>
    void ReturnMemory();
}
