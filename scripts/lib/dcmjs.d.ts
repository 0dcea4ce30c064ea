// The part of dcmjs the dictionary generator reads (the package ships no types).
declare module "dcmjs" {
  type DictionaryEntry = { tag: string; vr: string; vm: string; name: string };
  const dcmjs: {
    data: {
      DicomMetaDictionary: {
        /** "(GGGG,EEEE)" → entry; a Proxy that answers repeating groups too, so it cannot be enumerated. */
        dictionary: Record<string, DictionaryEntry | undefined>;
        /** Keyword → entry, one per standard tag (repeating groups under their first group). */
        nameMap: Record<string, DictionaryEntry>;
      };
    };
  };
  export default dcmjs;
}
