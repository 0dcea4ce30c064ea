import { route } from "@/lib/http/route";
import { addLabDataset, newDatasetSchema } from "@/lib/settings/lab-datasets";

export const POST = route({ access: "steward", body: newDatasetSchema }, async ({ user, body, ip }) => addLabDataset({ actor: user, input: body, ip }));
