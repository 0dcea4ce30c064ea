"use client";
import styles from "./attestation.module.css";

export function PrintButton() {
  return (
    <p className={styles.noPrint}>
      <button type="button" onClick={() => window.print()}>
        Print
      </button>
    </p>
  );
}
