import * as schema from "@/db/schema";
import { testDb } from "./support/db";
import { expect, test } from "./support/fixtures";

test("a member sees the unread count in the header, reads their notifications, and the count goes", async ({ page, lab, login }) => {
  const db = testDb();
  const at = Date.now();
  await db.insert(schema.notifications).values([
    {
      labId: lab.lab.id, userId: lab.member.id, kind: "training_expiring", title: "Your CITI training expires in 20 days", link: "/credentialing", createdAt: new Date(at - 60_000),
      body: "What to do: complete the CITI refresher course (instructions: https://physionet.org/about/citi-course/), then upload its Completion Report.",
    },
    { labId: lab.lab.id, userId: lab.member.id, kind: "access_granted", title: "Access approved: mimic-cxr 2.0.0", body: "You can open it now.", createdAt: new Date(at) },
    { labId: lab.lab.id, userId: lab.steward.id, kind: "review_requested", title: "Steward-only reminder", body: "Not for members.", createdAt: new Date(at) },
  ]);
  await login("member");
  await page.goto("/");
  await expect(page.getByTestId("unread-count")).toHaveText("2");

  await page.getByTestId("nav-notifications").click();
  await expect(page).toHaveURL(/\/notifications$/);
  const items = page.getByTestId("notifications").locator("li");
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toContainText("Access approved: mimic-cxr 2.0.0");
  await expect(page.getByText("Steward-only reminder")).toHaveCount(0);
  // The PhysioNet address in the body is a link; the in-app link opens the checklist.
  await expect(items.nth(1).getByRole("link", { name: "https://physionet.org/about/citi-course/" })).toHaveAttribute("href", "https://physionet.org/about/citi-course/");
  await expect(items.nth(1).getByRole("link", { name: "Open" })).toHaveAttribute("href", "/credentialing");

  await items.nth(0).getByRole("button", { name: "Mark read" }).click();
  await expect(page.getByTestId("unread-summary")).toHaveText("1 unread");
  await expect(page.getByTestId("unread-count")).toHaveText("1");
  await expect(items.nth(0)).toHaveAttribute("data-read", "true");

  await page.getByRole("button", { name: "Mark all read" }).click();
  await expect(page.getByTestId("unread-summary")).toHaveText("All read");
  await expect(page.getByTestId("unread-count")).toHaveCount(0);

  // The steward's own notification is still unread: marking is per person.
  const res = await page.request.post("/api/notifications/read", { data: { all: true }, headers: { origin: new URL(page.url()).origin } });
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ marked: 0, unread: 0 });
});
